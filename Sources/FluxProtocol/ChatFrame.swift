import NIOCore

/// One chat frame: `msg_id` (2 bytes, big-endian) + `body_len` (2 bytes, big-endian) + `body` (UTF-8 JSON).
public struct ChatFrame: Hashable, Sendable {
    /// Size of the fixed header in bytes.
    public static let headerLength = 4
    /// The largest body the 16-bit length field can describe.
    public static let maximumBodyLength = Int(UInt16.max)

    public var id: MessageID
    public var body: ByteBuffer

    public init(id: MessageID, body: ByteBuffer) {
        self.id = id
        self.body = body
    }
}
