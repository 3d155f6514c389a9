import FluxProtocol
import NIOCore

/// The last handler of a chat connection's pipeline: gets frames out of what the handler before it
/// passes (`Framing`) and hands the connection's life to a `ChatConnection`.
///
/// Over TCP it cuts the original protocol's frames from the byte stream itself (`StreamFraming`): one
/// handler instead of a `ByteToMessageHandler` and this, so every idle connection carries one handler
/// context, decoder state and buffer queue fewer. Over WebSocket the frames come decoded by
/// `WebSocketChatCodec` (`DecodedFraming`).
final class ChatConnectionHandler<Framing: ChatFraming>: ChannelInboundHandler {
    typealias InboundIn = Framing.Input

    private let connection: ChatConnection
    /// After an oversized frame all further input is refused; the notice still has to go out.
    private var refusedInput = false
    private var opened = false
    private var framing: Framing

    init(connection: ChatConnection, framing: Framing) {
        self.connection = connection
        self.framing = framing
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
        framing.append(unwrapInboundIn(data))
        do {
            // Each frame may re-enter this handler (a refusal that closes the connection): no access to
            // `framing` is held while a frame is handled.
            while !refusedInput, let frame = try framing.next() {
                ChatInbound.receive(frame, on: connection)
            }
        } catch ChatFrameError.bodyTooLarge(let id, let length, let limit) {
            refusedInput = true
            _ = connection.post(.bodyTooLarge(id: id, length: length, limit: limit))
        } catch {
            // framing throws nothing else
        }
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
