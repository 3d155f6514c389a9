import FluxProtocol
import NIOCore

/// The last handler of a TCP chat connection's pipeline: reads the original protocol's frames from the
/// byte stream itself and hands them to a `ChatConnection`.
///
/// One handler instead of a `ByteToMessageHandler` and this: every idle connection carries one handler
/// context, decoder state and buffer queue fewer. Bytes are kept only while a frame is incomplete.
final class ChatStreamHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    private let connection: ChatConnection
    private let maximumBodyLength: Int
    /// After an oversized frame all further input is refused; the notice still has to go out.
    private var refusedInput = false
    private var opened = false
    /// The start of a frame whose rest has not come yet.
    private var incomplete: ByteBuffer?

    init(connection: ChatConnection, maximumBodyLength: Int) {
        self.connection = connection
        self.maximumBodyLength = ChatFrameDecoder(maximumBodyLength: maximumBodyLength).maximumBodyLength
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { open() }
    }

    func channelActive(context: ChannelHandlerContext) {
        open()
        context.fireChannelActive()
    }

    private func open() {
        guard !opened else { return }
        opened = true
        _ = connection.post(.opened)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !refusedInput else { return }
        var bytes = unwrapInboundIn(data)
        if var held = incomplete {
            incomplete = nil
            held.writeBuffer(&bytes)
            bytes = held
        }
        do {
            // Each frame may re-enter this handler (a refusal that closes the connection): the loop holds
            // no access to its properties while one is handled.
            while !refusedInput, let frame = try ChatFrameDecoder.decodeFrame(from: &bytes, maximumBodyLength: maximumBodyLength) {
                ChatInbound.receive(frame, on: connection)
            }
        } catch ChatFrameError.bodyTooLarge(let id, let length, let limit) {
            refusedInput = true
            _ = connection.post(.bodyTooLarge(id: id, length: length, limit: limit))
            return
        } catch {
            context.close(promise: nil)
            return
        }
        if bytes.readableBytes > 0, !refusedInput {
            // A copy of just the rest: a slice would keep the whole read buffer alive.
            var rest = context.channel.allocator.buffer(capacity: bytes.readableBytes)
            rest.writeBuffer(&bytes)
            incomplete = rest
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        incomplete = nil
        _ = connection.post(.closed)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        var refused = refusedInput
        let close = ChatInbound.errorCaught(error, on: connection, refused: &refused)
        refusedInput = refused
        if close { context.close(promise: nil) }
    }
}
