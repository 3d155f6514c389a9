import FluxProtocol
import NIOCore

/// The last handler of a WebSocket chat connection's pipeline (frames come decoded by
/// `WebSocketChatCodec`): hands its life to a `ChatConnection`.
final class ChatConnectionHandler: ChannelInboundHandler {
    typealias InboundIn = ChatFrame

    private let connection: ChatConnection
    /// After an oversized frame all further input is refused; the notice still has to go out.
    private var refusedInput = false
    private var opened = false

    init(connection: ChatConnection) {
        self.connection = connection
    }

    func handlerAdded(context: ChannelHandlerContext) {
        // After a WebSocket upgrade the handler joins a channel that is already active.
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
        ChatInbound.receive(unwrapInboundIn(data), on: connection)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is ChatKeepAlive {
            ChatInbound.keepAlive(connection)
        } else {
            context.fireUserInboundEventTriggered(event)
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
