// libFuzzer harness: the WebSocket envelope `{"id": <message id>, "body": {…}}` (docs/fuzzing.md).
//
// Input: one WebSocket text message as a client sends it. Checks, for any input:
// - `WebSocketEnvelope.decode` never crashes, and what it accepts has a body that is a slice of the input;
// - against Foundation's JSONSerialization: when the input is a JSON object whose `id` is an integer
//   0–65535 (written as digits), the envelope is accepted with that id, and its body bytes parse to the
//   same value as the object's `body` (or are empty when there is none);
// - a decoded frame encodes (`WebSocketEnvelope.encode`) to a message that decodes to the same frame.
import Foundation
import FluxProtocol
import FuzzSupport
import NIOCore
import NIOFoundationCompat

@main enum FuzzWebSocket {
    static func main() { runFuzzer(fuzzOne) }
}

func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let input = fuzzInput(data, size)
    let message = ByteBuffer(bytes: input)
    let decoded = try? WebSocketEnvelope.decode(message)
    if let frame = decoded {
        check(frame.body.readableBytes <= input.count, "a body longer than the message")
        var encoded = ByteBuffer()
        WebSocketEnvelope.encode(frame, into: &encoded)
        let again = try? WebSocketEnvelope.decode(encoded)
        let expectedBody = frame.body.readableBytes == 0 ? ByteBuffer(string: "{}") : frame.body
        check(again?.id == frame.id && again?.body == expectedBody, "encode then decode changed the frame")
    }
    // The reference: Foundation's parser, on inputs where the two must agree: one `"id"` key written as
    // plain digits (JSON also allows 1e3 or 1005.0, which the envelope refuses on purpose), at most one
    // `"body"`, and no \u escapes (a key spelled with them is the same key to JSON).
    // Foundation also takes a trailing comma (`{"id":1,}`), which JSON and the envelope do not.
    guard let text = String(bytes: input, encoding: .utf8), !text.contains("\\u"),
        text.range(of: #",[ \t\n\r]*[}\]]"#, options: .regularExpression) == nil,
        text.components(separatedBy: "\"id\"").count == 2, text.components(separatedBy: "\"body\"").count <= 2,
        let digits = text.range(of: #""id"[ \t\n\r]*:[ \t\n\r]*[0-9]+[ \t\n\r]*[,}]"#, options: .regularExpression),
        let id = Int(text[digits].filter(\.isNumber)), id <= 65535,
        let object = (try? JSONSerialization.jsonObject(with: Data(input), options: [.fragmentsAllowed])) as? [String: Any],
        object["id"] != nil
    else { return 0 }
    guard let frame = decoded else {
        check(false, "a JSON object with id \(id) was refused")
        return 0
    }
    check(Int(frame.id.rawValue) == id, "id \(frame.id.rawValue), JSON says \(id)")
    if let body = object["body"] {
        // The body's bytes, read in the same place (a value inside an object) as the reference read them:
        // a top-level fragment comes back as another type on Linux (`true` as Bool, not NSNumber).
        var wrapped = Data("{\"v\":".utf8)
        wrapped.append(Data(buffer: frame.body))
        wrapped.append(Data("}".utf8))
        // Compared by their canonical serialisation (Any has no equality; NSDictionary's differs on Linux).
        func canonical(_ value: Any?) -> Data? {
            value.flatMap { try? JSONSerialization.data(withJSONObject: [$0], options: [.sortedKeys]) }
        }
        let parsed = (try? JSONSerialization.jsonObject(with: wrapped)) as? [String: Any]
        let mine = canonical(parsed?["v"])
        check(mine != nil && mine == canonical(body), "the body bytes parse to another value")
    } else {
        check(frame.body.readableBytes == 0, "a body where the object has none")
    }
    return 0
}
