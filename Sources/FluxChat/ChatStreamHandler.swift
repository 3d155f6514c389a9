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
    /// After an oversized frame all further input is refused; the notice still has to go out.
    private var refusedInput = false
    private var opened = false
    private var stream: ChatFrameStream

    init(connection: ChatConnection, maximumBodyLength: Int) {
        self.connection = connection
        stream = ChatFrameStream(maximumBodyLength: maximumBodyLength)
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
        stream.append(unwrapInboundIn(data))
        do {
            // Each frame may re-enter this handler (a refusal that closes the connection): no access to
            // `stream` is held while a frame is handled.
            while !refusedInput, let frame = try stream.next() {
                ChatInbound.receive(frame, on: connection)
            }
        } catch ChatFrameError.bodyTooLarge(let id, let length, let limit) {
            refusedInput = true
            _ = connection.post(.bodyTooLarge(id: id, length: length, limit: limit))
        } catch {
            // decoding throws nothing else
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
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
