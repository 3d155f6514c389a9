import FluxProtocol
import NIOCore

/// The last handler of a WebSocket chat connection's pipeline (frames come decoded by
/// `WebSocketChatCodec`): hands its life to a `ChatConnection`.
final class ChatConnectionHandler: ChannelInboundHandler {
    typealias InboundIn = ChatFrame

    private var inbound: ChatInbound

    init(connection: ChatConnection) {
        inbound = ChatInbound(connection: connection)
    }

    func handlerAdded(context: ChannelHandlerContext) {
        // After a WebSocket upgrade the handler joins a channel that is already active.
        if context.channel.isActive { inbound.open() }
    }

    func channelActive(context: ChannelHandlerContext) {
        inbound.open()
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        inbound.receive(unwrapInboundIn(data))
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is ChatKeepAlive {
            inbound.keepAlive()
        } else {
            context.fireUserInboundEventTriggered(event)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        inbound.closed()
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        inbound.errorCaught(context: context, error: error)
    }
}
