import NIOCore

/// Writes `ChatFrame`s as header + body.
public struct ChatFrameEncoder: MessageToByteEncoder, Sendable {
    public typealias OutboundIn = ChatFrame

    public init() {}

    public func encode(data: ChatFrame, out: inout ByteBuffer) throws {
        try Self.encode(data, into: &out)
    }

    /// Appends `frame` to `out`.
    public static func encode(_ frame: ChatFrame, into out: inout ByteBuffer) throws {
        let length = frame.body.readableBytes
        guard length <= ChatFrame.maximumBodyLength else {
            throw ChatFrameError.bodyTooLargeToEncode(length: length)
        }
        out.reserveCapacity(minimumWritableBytes: ChatFrame.headerLength + length)
        out.writeMultipleIntegers(frame.id.rawValue, UInt16(length))
        out.writeImmutableBuffer(frame.body)
    }
}
