import NIOCore

/// A fast JSON writer for the hottest frames (1018, 1019): the same JSON `JSONEncoder` would write for
/// `TextChatMessage`, written straight into a `ByteBuffer` without reflection or intermediate `Data`.
public enum TextChatJSON {
    /// The body of a `TextChatMessage`.
    public static func encode(_ message: TextChatMessage) -> ByteBuffer {
        var size = 64
        for item in message.textArray { size += item.msgid.utf8.count + item.content.utf8.count + 64 }
        var buffer = ByteBuffer()
        buffer.reserveCapacity(size)
        buffer.writeStaticString("{")
        if let error = message.error {
            buffer.writeStaticString("\"error\":")
            buffer.writeString(String(error.rawValue))
            buffer.writeStaticString(",")
        }
        buffer.writeStaticString("\"fromuid\":")
        buffer.writeString(String(message.fromuid))
        buffer.writeStaticString(",\"touid\":")
        buffer.writeString(String(message.touid))
        buffer.writeStaticString(",\"text_array\":[")
        for (index, item) in message.textArray.enumerated() {
            if index > 0 { buffer.writeStaticString(",") }
            buffer.writeStaticString("{\"msgid\":")
            writeString(item.msgid, into: &buffer)
            buffer.writeStaticString(",\"content\":")
            writeString(item.content, into: &buffer)
            if let seq = item.seq {
                buffer.writeStaticString(",\"seq\":")
                buffer.writeString(String(seq))
            }
            if let time = item.time {
                buffer.writeStaticString(",\"time\":")
                buffer.writeString(String(time))
            }
            buffer.writeStaticString("}")
        }
        buffer.writeStaticString("]}")
        return buffer
    }

    private static let hex: [UInt8] = Array("0123456789abcdef".utf8)

    /// A JSON string literal: quotes, backslashes and control characters escaped, everything else as UTF-8.
    static func writeString(_ text: String, into buffer: inout ByteBuffer) {
        buffer.writeStaticString("\"")
        var text = text
        text.withUTF8 { bytes in
            var runStart = 0
            for index in 0..<bytes.count {
                let byte = bytes[index]
                guard byte < 0x20 || byte == 0x22 || byte == 0x5C else { continue }
                if runStart < index { buffer.writeBytes(UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(bytes)[runStart..<index])) }
                switch byte {
                case 0x22: buffer.writeStaticString("\\\"")
                case 0x5C: buffer.writeStaticString("\\\\")
                case 0x0A: buffer.writeStaticString("\\n")
                case 0x0D: buffer.writeStaticString("\\r")
                case 0x09: buffer.writeStaticString("\\t")
                default:
                    buffer.writeStaticString("\\u00")
                    buffer.writeInteger(hex[Int(byte >> 4)])
                    buffer.writeInteger(hex[Int(byte & 0x0F)])
                }
                runStart = index + 1
            }
            if runStart < bytes.count { buffer.writeBytes(UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(bytes)[runStart...])) }
        }
        buffer.writeStaticString("\"")
    }
}
