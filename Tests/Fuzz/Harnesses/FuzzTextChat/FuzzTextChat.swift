// libFuzzer harness: `TextChatRequestParser` against `JSONDecoder` (docs/fuzzing.md).
//
// The input is a 1017 body. The parser's contract: it returns a message only for the plain shape, and
// then `JSONDecoder` must read the same body as the same message; for anything else it returns nil and
// the server asks `JSONDecoder` (which gives every error). So, for any input:
// - whenever the parser returns a message, `JSONDecoder` decodes the body too, to an equal message —
//   compared field by field and byte by byte (Swift's `==` on strings ignores Unicode normalisation);
// - what the parser returns never carries `error`, `seq` or `time`.
// And for every message either side read, the server's fast writer `TextChatJSON.encode` (used for 1018
// and 1019) writes JSON that `JSONDecoder` reads back as the same message, and that the parser reads
// back as the same message whenever it has the plain shape.
import FluxProtocol
import Foundation
import FuzzSupport
import NIOCore

@main enum FuzzTextChat {
    static func main() { runFuzzer(fuzzOne) }
}

func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let frame = ChatFrame(id: .textChat, body: ByteBuffer(bytes: fuzzInput(data, size)))
    let fast = TextChatRequestParser.parse(frame.body)
    let decoded = try? frame.decode(TextChatMessage.self)
    if let fast {
        guard let decoded else { fatalError("property failed: the fast parser read \(fast), JSONDecoder refused the body") }
        check(same(fast, decoded), "the fast parser read \(fast), JSONDecoder \(decoded)")
        check(isPlain(fast), "the fast parser read more than the plain shape: \(fast)")
    }
    for message in [fast, decoded].compactMap({ $0 }) {
        let written = TextChatJSON.encode(message)
        guard let reread = try? JSONDecoder().decode(TextChatMessage.self, from: written) else {
            fatalError("property failed: JSONDecoder refused what TextChatJSON wrote for \(message): \(String(buffer: written))")
        }
        check(same(reread, message), "TextChatJSON wrote \(String(buffer: written)) for \(message), read back as \(reread)")
        if isPlain(message) {
            let parsed = TextChatRequestParser.parse(written)
            check(parsed.map { same($0, message) } ?? false,
                  "the fast parser read \(String(describing: parsed)) from TextChatJSON's \(String(buffer: written)) for \(message)")
        }
    }
    return 0
}

/// Only what a 1017 request carries: no `error`, no `seq` or `time`.
func isPlain(_ message: TextChatMessage) -> Bool {
    message.error == nil && message.textArray.allSatisfy { $0.seq == nil && $0.time == nil }
}

/// Equal field by field, strings compared as UTF-8 bytes.
func same(_ a: TextChatMessage, _ b: TextChatMessage) -> Bool {
    a == b && a.error == b.error && a.fromuid == b.fromuid && a.touid == b.touid && a.textArray.count == b.textArray.count
        && zip(a.textArray, b.textArray).allSatisfy { x, y in
            x.msgid.utf8.elementsEqual(y.msgid.utf8) && x.content.utf8.elementsEqual(y.content.utf8) && x.seq == y.seq && x.time == y.time
        }
}
