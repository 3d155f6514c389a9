import NIOCore

/// A fast reader for the hottest request, 1017 `{fromuid, touid, text_array:[{msgid, content}]}`.
///
/// It accepts only the plain shape (the known keys once each, integers without fraction or exponent,
/// strings in valid UTF-8) and returns nil for anything else, so the caller falls back to `JSONDecoder`:
/// whatever it accepts, `JSONDecoder` reads the same way, and every error still comes from `JSONDecoder`.
public enum TextChatRequestParser {
    public static func parse(_ body: ByteBuffer) -> TextChatMessage? {
        body.withUnsafeReadableBytes { bytes in
            var reader = Reader(bytes: bytes)
            guard let message = reader.message() else { return nil }
            reader.skipWhitespace()
            return reader.atEnd ? message : nil
        }
    }

    private struct Reader {
        let bytes: UnsafeRawBufferPointer
        var index = 0

        var atEnd: Bool { index == bytes.count }

        mutating func skipWhitespace() {
            while index < bytes.count, bytes[index] == 0x20 || bytes[index] == 0x0A || bytes[index] == 0x0D || bytes[index] == 0x09 {
                index += 1
            }
        }

        mutating func consume(_ byte: UInt8) -> Bool {
            skipWhitespace()
            guard index < bytes.count, bytes[index] == byte else { return false }
            index += 1
            return true
        }

        /// Iterates `{ "key": value, … }`, handing each key to `field`, which must read the value.
        mutating func object(_ field: (inout Reader, String) -> Bool) -> Bool {
            guard consume(UInt8(ascii: "{")) else { return false }
            if consume(UInt8(ascii: "}")) { return true }
            repeat {
                skipWhitespace()
                guard let key = string(), consume(UInt8(ascii: ":")), field(&self, key) else { return false }
            } while consume(UInt8(ascii: ","))
            return consume(UInt8(ascii: "}"))
        }

        mutating func message() -> TextChatMessage? {
            var from: Int64?
            var to: Int64?
            var items: [TextItem]?
            let read = object { reader, key in
                switch key {
                case "fromuid" where from == nil:
                    from = reader.integer()
                    return from != nil
                case "touid" where to == nil:
                    to = reader.integer()
                    return to != nil
                case "text_array" where items == nil:
                    items = reader.textItems()
                    return items != nil
                default:
                    return false
                }
            }
            guard read, let from, let to, let items else { return nil }
            return TextChatMessage(fromuid: from, touid: to, textArray: items)
        }

        mutating func textItems() -> [TextItem]? {
            guard consume(UInt8(ascii: "[")) else { return nil }
            var items: [TextItem] = []
            if consume(UInt8(ascii: "]")) { return items }
            repeat {
                var msgid: String?
                var content: String?
                let read = object { reader, key in
                    switch key {
                    case "msgid" where msgid == nil:
                        reader.skipWhitespace()
                        msgid = reader.string()
                        return msgid != nil
                    case "content" where content == nil:
                        reader.skipWhitespace()
                        content = reader.string()
                        return content != nil
                    default:
                        return false
                    }
                }
                guard read, let msgid, let content else { return nil }
                items.append(TextItem(msgid: msgid, content: content))
            } while consume(UInt8(ascii: ","))
            return consume(UInt8(ascii: "]")) ? items : nil
        }

        /// An integer: optional minus, digits without a leading zero, no fraction or exponent.
        mutating func integer() -> Int64? {
            skipWhitespace()
            let negative = index < bytes.count && bytes[index] == UInt8(ascii: "-")
            if negative { index += 1 }
            let start = index
            var value: Int64 = 0
            while index < bytes.count, bytes[index] >= 0x30, bytes[index] <= 0x39 {
                let digit = Int64(bytes[index] - 0x30)
                let (times, overflow1) = value.multipliedReportingOverflow(by: 10)
                let (sum, overflow2) = negative ? times.subtractingReportingOverflow(digit) : times.addingReportingOverflow(digit)
                guard !overflow1, !overflow2 else { return nil }
                value = sum
                index += 1
            }
            let digits = index - start
            guard digits > 0, digits == 1 || bytes[start] != 0x30 else { return nil }
            if index < bytes.count, [UInt8(ascii: "."), UInt8(ascii: "e"), UInt8(ascii: "E")].contains(bytes[index]) { return nil }
            return value
        }

        /// A string at the current position (no leading whitespace), with its escapes resolved.
        mutating func string() -> String? {
            guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { return nil }
            index += 1
            // Most strings (keys, msgids, plain texts) have no escape: made from their bytes in one go.
            var end = index
            while end < bytes.count, bytes[end] != UInt8(ascii: "\""), bytes[end] != UInt8(ascii: "\\"), bytes[end] >= 0x20 { end += 1 }
            if end < bytes.count, bytes[end] == UInt8(ascii: "\"") {
                let text = String(validating: UnsafeRawBufferPointer(rebasing: bytes[index..<end]), as: UTF8.self)
                index = end + 1
                return text
            }
            var utf8: [UInt8] = []
            while index < bytes.count {
                let byte = bytes[index]
                index += 1
                switch byte {
                case UInt8(ascii: "\""):
                    return String(validating: utf8, as: UTF8.self)
                case UInt8(ascii: "\\"):
                    guard index < bytes.count else { return nil }
                    let escape = bytes[index]
                    index += 1
                    switch escape {
                    case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): utf8.append(escape)
                    case UInt8(ascii: "b"): utf8.append(0x08)
                    case UInt8(ascii: "f"): utf8.append(0x0C)
                    case UInt8(ascii: "n"): utf8.append(0x0A)
                    case UInt8(ascii: "r"): utf8.append(0x0D)
                    case UInt8(ascii: "t"): utf8.append(0x09)
                    case UInt8(ascii: "u"):
                        // \uXXXX, with surrogate pairs; anything unusual goes to JSONDecoder.
                        guard let high = hex4() else { return nil }
                        var scalarValue = UInt32(high)
                        if (0xD800..<0xDC00).contains(high) {
                            guard index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u") else { return nil }
                            index += 2
                            guard let low = hex4(), (0xDC00..<0xE000).contains(low) else { return nil }
                            scalarValue = 0x10000 + ((UInt32(high) - 0xD800) << 10) + (UInt32(low) - 0xDC00)
                        }
                        guard let scalar = Unicode.Scalar(scalarValue) else { return nil }
                        utf8.append(contentsOf: String(Character(scalar)).utf8)
                    default:
                        return nil
                    }
                default:
                    guard byte >= 0x20 else { return nil }
                    utf8.append(byte)
                }
            }
            return nil
        }

        mutating func hex4() -> UInt16? {
            guard index + 4 <= bytes.count else { return nil }
            var value: UInt16 = 0
            for _ in 0..<4 {
                let byte = bytes[index]
                let digit: UInt8
                switch byte {
                case 0x30...0x39: digit = byte - 0x30
                case 0x41...0x46: digit = byte - 0x41 + 10
                case 0x61...0x66: digit = byte - 0x61 + 10
                default: return nil
                }
                value = value << 4 | UInt16(digit)
                index += 1
            }
            return value
        }
    }
}
