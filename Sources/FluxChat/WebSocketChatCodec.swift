import FluxProtocol
import NIOCore
import NIOWebSocket

/// Input on a WebSocket connection that is answered with 1117 while the connection stays open: the
/// message framing is intact, so unlike a TCP stream nothing after it is lost.
struct ChatInputRefusal: Error {
    var notice: ErrorNotice
}

/// A WebSocket ping or pong: traffic that keeps the connection from the idle sweep.
struct ChatKeepAlive {}

/// Turns WebSocket messages into chat frames for `ChatConnectionHandler`: each text message is one
/// `{"id", "body"}` envelope (`WebSocketEnvelope`). Pings are answered with pongs; a close is answered with
/// a close and the connection ends. Everything else is refused with a reason the client can read.
final class WebSocketChatCodec: ChannelInboundHandler {
    typealias InboundIn = WebSocketFrame
    typealias InboundOut = ChatFrame
    typealias OutboundOut = WebSocketFrame

    private let maxBodyBytes: Int
    private var closing = false

    init(maxBodyBytes: Int) {
        self.maxBodyBytes = maxBodyBytes
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = Self.unwrapInboundIn(data)
        guard !closing else { return }
        switch frame.opcode {
        case .text:
            do {
                let chat = try WebSocketEnvelope.decode(frame.unmaskedData)
                guard chat.body.readableBytes <= maxBodyBytes else {
                    context.fireErrorCaught(ChatInputRefusal(notice: ErrorNotice(
                        error: .payloadTooLarge, msgid: Int(chat.id.rawValue),
                        reason: "body of \(chat.body.readableBytes) bytes is over the limit of \(maxBodyBytes)")))
                    return
                }
                context.fireChannelRead(Self.wrapInboundOut(chat))
            } catch {
                context.fireErrorCaught(ChatInputRefusal(notice: ErrorNotice(error: .badJSON, msgid: 0, reason: error.description)))
            }
        case .binary:
            let error = WebSocketEnvelopeError.binaryMessage
            context.fireErrorCaught(ChatInputRefusal(notice: ErrorNotice(error: .badJSON, msgid: 0, reason: error.description)))
        case .ping:
            context.fireUserInboundEventTriggered(ChatKeepAlive())
            context.writeAndFlush(Self.wrapOutboundOut(WebSocketFrame(fin: true, opcode: .pong, data: frame.unmaskedData)), promise: nil)
        case .pong:
            context.fireUserInboundEventTriggered(ChatKeepAlive())
        case .connectionClose:
            close(context: context, code: .normalClosure)
        default:
            close(context: context, code: .protocolError)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        switch error {
        case is NIOWebSocketError:
            // WebSocketProtocolErrorHandler has sent the close frame (1009 for a frame over the limit).
            closing = true
        case let error as NIOWebSocketFrameAggregator.Error:
            close(context: context, code: error == .accumulatedFrameSizeIsTooLarge ? .messageTooLarge : .protocolError)
        default:
            context.fireErrorCaught(error)
        }
    }

    /// Sends a close frame with `code`, then closes once it is written.
    private func close(context: ChannelHandlerContext, code: WebSocketErrorCode) {
        guard !closing else { return }
        closing = true
        var data = context.channel.allocator.buffer(capacity: 2)
        data.write(webSocketErrorCode: code)
        let channel = context.channel
        context.writeAndFlush(Self.wrapOutboundOut(WebSocketFrame(fin: true, opcode: .connectionClose, data: data))).whenComplete { _ in
            channel.close(promise: nil)
        }
    }
}
