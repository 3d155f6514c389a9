import FluxProtocol
import NIOCore

/// The last handler of a TCP chat connection's pipeline: reads the original protocol's frames from the
/// byte stream itself and hands them to a `ChatConnection`.
///
/// One handler instead of a `ByteToMessageHandler` and this: every idle connection carries one handler
/// context, decoder state and buffer queue fewer. Bytes are kept only while a frame is incomplete.
final class ChatStreamHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    private var inbound: ChatInbound
    private let maximumBodyLength: Int
    /// The start of a frame whose rest has not come yet.
    private var incomplete: ByteBuffer?

    init(connection: ChatConnection, maximumBodyLength: Int) {
        inbound = ChatInbound(connection: connection)
        self.maximumBodyLength = ChatFrameDecoder(maximumBodyLength: maximumBodyLength).maximumBodyLength
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { inbound.open() }
    }

    func channelActive(context: ChannelHandlerContext) {
        inbound.open()
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !inbound.refusedInput else { return }
        var bytes = unwrapInboundIn(data)
        if var held = incomplete {
            incomplete = nil
            held.writeBuffer(&bytes)
            bytes = held
        }
        do {
            while let frame = try ChatFrameDecoder.decodeFrame(from: &bytes, maximumBodyLength: maximumBodyLength) {
                inbound.receive(frame)
            }
        } catch ChatFrameError.bodyTooLarge(let id, let length, let limit) {
            inbound.refuse(id: id, length: length, limit: limit)
            return
        } catch {
            context.close(promise: nil)
            return
        }
        if bytes.readableBytes > 0 {
            // A copy of just the rest: a slice would keep the whole read buffer alive.
            var rest = context.channel.allocator.buffer(capacity: bytes.readableBytes)
            rest.writeBuffer(&bytes)
            incomplete = rest
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        incomplete = nil
        inbound.closed()
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        inbound.errorCaught(context: context, error: error)
    }
}
