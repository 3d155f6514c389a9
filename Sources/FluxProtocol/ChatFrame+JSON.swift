import Foundation
import NIOCore
import NIOFoundationCompat

extension ChatFrame {
    /// A frame whose body is `value` as compact JSON.
    public init(_ id: MessageID, json value: some Encodable) throws {
        let data = try JSONEncoder().encode(value)
        self.init(id: id, body: ByteBuffer(data: data))
    }

    /// The body decoded as `type`; throws `DecodingError` for bad JSON or a missing field.
    public func decode<T: Decodable>(_ type: T.Type) throws -> T {
        try JSONDecoder().decode(type, from: body)
    }

    /// The body as text, for logs and tests.
    public var bodyText: String { String(buffer: body) }
}
