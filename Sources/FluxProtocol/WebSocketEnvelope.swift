import NIOCore

/// The WebSocket framing of chat frames: each WebSocket text message is one JSON object
/// `{"id": <message id>, "body": {…}}` carrying exactly one TCP frame's id and body.
///
/// Reading does not decode the body: it finds the byte range of the `body` value (skipping strings,
/// nested objects and arrays) and hands those bytes on as the frame's body, so the handlers decode them
/// once, as they do for TCP. Writing wraps a frame's body bytes without re-encoding them.
public enum WebSocketEnvelope {
    /// Reads one message. A missing `body` is an empty body (the handler then answers 1001, as for an
    /// empty TCP body); keys other than `id` and `body` are ignored.
    public static func decode(_ message: ByteBuffer) throws(WebSocketEnvelopeError) -> ChatFrame {
        var scanner = Scanner(bytes: message.readableBytesView)
        var id: UInt16?
        var body: Range<Int>?
        scanner.skipWhitespace()
        guard scanner.take(UInt8(ascii: "{")) else { throw .notAnObject }
        scanner.skipWhitespace()
        if !scanner.take(UInt8(ascii: "}")) {
            repeat {
                scanner.skipWhitespace()
                guard let key = scanner.string() else { throw .notAnObject }
                scanner.skipWhitespace()
                guard scanner.take(UInt8(ascii: ":")) else { throw .notAnObject }
                scanner.skipWhitespace()
                switch key {
                case "id":
                    guard let value = scanner.unsignedInteger() else { throw .badID }
                    guard value <= Int(UInt16.max) else { throw .badID }
                    id = UInt16(value)
                case "body":
                    guard let range = scanner.value() else { throw .notAnObject }
                    body = range
                default:
                    guard scanner.value() != nil else { throw .notAnObject }
                }
                scanner.skipWhitespace()
            } while scanner.take(UInt8(ascii: ","))
            guard scanner.take(UInt8(ascii: "}")) else { throw .notAnObject }
        }
        scanner.skipWhitespace()
        guard scanner.atEnd else { throw .notAnObject }
        guard let id else { throw .badID }
        let start = message.readerIndex
        let bodyBytes = body.flatMap { message.getSlice(at: start + $0.lowerBound, length: $0.count) } ?? ByteBuffer()
        return ChatFrame(id: MessageID(rawValue: id), body: bodyBytes)
    }

    /// The encoded size of `frame` as a WebSocket message.
    public static func encodedLength(_ frame: ChatFrame) -> Int {
        prefixLength + 5 + max(frame.body.readableBytes, 2) + 1
    }

    /// Appends `{"id":N,"body":…}` to `buffer`; an empty body is written as `{}`.
    public static func encode(_ frame: ChatFrame, into buffer: inout ByteBuffer) {
        buffer.writeStaticString("{\"id\":")
        buffer.writeString(String(frame.id.rawValue))
        buffer.writeStaticString(",\"body\":")
        if frame.body.readableBytes == 0 {
            buffer.writeStaticString("{}")
        } else {
            buffer.writeImmutableBuffer(frame.body)
        }
        buffer.writeStaticString("}")
    }

    private static let prefixLength = "{\"id\":,\"body\":".utf8.count

    /// A forward-only reader over the message's bytes: just enough JSON to find the two keys' values.
    private struct Scanner {
        let bytes: ByteBufferView
        var index: Int

        init(bytes: ByteBufferView) {
            self.bytes = bytes
            self.index = bytes.startIndex
        }

        var atEnd: Bool { index == bytes.endIndex }

        mutating func skipWhitespace() {
            while index < bytes.endIndex, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[index]) { index += 1 }
        }

        mutating func take(_ byte: UInt8) -> Bool {
            guard index < bytes.endIndex, bytes[index] == byte else { return false }
            index += 1
            return true
        }

        /// A JSON string's contents (escapes left as written: the keys that matter have none).
        mutating func string() -> String? {
            let start = index
            guard skipString() else { return nil }
            return String(decoding: bytes[(start + 1)..<(index - 1)], as: UTF8.self)
        }

        mutating func unsignedInteger() -> Int? {
            var value = 0
            let start = index
            while index < bytes.endIndex, (0x30...0x39).contains(bytes[index]) {
                value = value * 10 + Int(bytes[index] - 0x30)
                if value > 1_000_000 { return nil }
                index += 1
            }
            return index > start ? value : nil
        }

        /// Skips one value; returns its byte range relative to the message's start.
        mutating func value() -> Range<Int>? {
            guard index < bytes.endIndex else { return nil }
            let start = index
            switch bytes[index] {
            case UInt8(ascii: "\""):
                guard skipString() else { return nil }
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                var depth = 0
                repeat {
                    guard index < bytes.endIndex else { return nil }
                    switch bytes[index] {
                    case UInt8(ascii: "\""):
                        guard skipString() else { return nil }
                        continue
                    case UInt8(ascii: "{"), UInt8(ascii: "["):
                        depth += 1
                    case UInt8(ascii: "}"), UInt8(ascii: "]"):
                        depth -= 1
                    default:
                        break
                    }
                    index += 1
                } while depth > 0
            default:
                // A number, true, false or null: up to the next delimiter.
                while index < bytes.endIndex, ![UInt8(ascii: ","), UInt8(ascii: "}"), UInt8(ascii: "]"), 0x20, 0x09, 0x0A, 0x0D].contains(bytes[index]) {
                    index += 1
                }
                guard index > start else { return nil }
            }
            return (start - bytes.startIndex)..<(index - bytes.startIndex)
        }

        /// Skips a string starting at the current quote, escapes included.
        private mutating func skipString() -> Bool {
            guard take(UInt8(ascii: "\"")) else { return false }
            while index < bytes.endIndex {
                switch bytes[index] {
                case UInt8(ascii: "\\"):
                    index += 2
                case UInt8(ascii: "\""):
                    index += 1
                    return true
                default:
                    index += 1
                }
            }
            index = bytes.endIndex
            return false
        }
    }
}
