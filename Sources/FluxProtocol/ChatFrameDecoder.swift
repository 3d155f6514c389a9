import NIOCore

/// Splits a byte stream into `ChatFrame`s, refusing bodies over `maximumBodyLength`.
///
/// A too-long header is reported as `ChatFrameError.bodyTooLarge` as soon as the header is read, without
/// waiting for (or buffering) the body: the caller answers with an error and closes.
public struct ChatFrameDecoder: ByteToMessageDecoder, Sendable {
    public typealias InboundOut = ChatFrame

    /// The largest body accepted, at most `ChatFrame.maximumBodyLength`.
    public let maximumBodyLength: Int

    public init(maximumBodyLength: Int = 8192) {
        self.maximumBodyLength = min(max(0, maximumBodyLength), ChatFrame.maximumBodyLength)
    }

    public mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let frame = try Self.decodeFrame(from: &buffer, maximumBodyLength: maximumBodyLength) else {
            return .needMoreData
        }
        context.fireChannelRead(Self.wrapInboundOut(frame))
        return .continue
    }

    public mutating func decodeLast(
        context: ChannelHandlerContext,
        buffer: inout ByteBuffer,
        seenEOF: Bool
    ) throws -> DecodingState {
        try decode(context: context, buffer: &buffer)
    }

    /// Reads one frame from the front of `buffer`, or returns nil (consuming nothing) if it is incomplete.
    public static func decodeFrame(from buffer: inout ByteBuffer, maximumBodyLength: Int) throws -> ChatFrame? {
        guard let (id, length) = buffer.getMultipleIntegers(at: buffer.readerIndex, as: (UInt16, UInt16).self)
        else { return nil }
        let bodyLength = Int(length)
        guard bodyLength <= maximumBodyLength else {
            throw ChatFrameError.bodyTooLarge(id: id, length: bodyLength, limit: maximumBodyLength)
        }
        guard buffer.readableBytes >= ChatFrame.headerLength + bodyLength else { return nil }
        buffer.moveReaderIndex(forwardBy: ChatFrame.headerLength)
        let body = buffer.readSlice(length: bodyLength)!
        return ChatFrame(id: MessageID(rawValue: id), body: body)
    }
}
