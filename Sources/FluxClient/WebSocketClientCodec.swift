import FluxProtocol
import NIOCore
import NIOWebSocket

/// The client end of the chat WebSocket framing, so code above it sees the same `ChatFrame`s and writes
/// the same encoded frames as over TCP: inbound text messages become `ChatFrame`s; outbound buffers of
/// TCP-encoded frames are split back into frames and sent one per masked text message.
final class WebSocketClientCodec: ChannelDuplexHandler {
    typealias InboundIn = WebSocketFrame
    typealias InboundOut = ChatFrame
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = WebSocketFrame

    private var closing = false

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = Self.unwrapInboundIn(data)
        switch frame.opcode {
        case .text:
            // A message that is not an envelope is not the server's: skip it.
            if let chat = try? WebSocketEnvelope.decode(frame.unmaskedData) {
                context.fireChannelRead(Self.wrapInboundOut(chat))
            }
        case .ping:
            context.writeAndFlush(Self.wrapOutboundOut(WebSocketFrame(fin: true, opcode: .pong, maskKey: .random(), data: frame.unmaskedData)), promise: nil)
        case .connectionClose:
            guard !closing else {
                context.close(promise: nil)
                return
            }
            closing = true
            let channel = context.channel
            context.writeAndFlush(Self.wrapOutboundOut(WebSocketFrame(fin: true, opcode: .connectionClose, maskKey: .random(), data: frame.unmaskedData)))
                .whenComplete { _ in channel.close(promise: nil) }
        default:
            break
        }
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        var buffer = Self.unwrapOutboundIn(data)
        var last: EventLoopFuture<Void>?
        while let id = buffer.readInteger(as: UInt16.self), let length = buffer.readInteger(as: UInt16.self),
            let body = buffer.readSlice(length: Int(length))
        {
            var message = context.channel.allocator.buffer(capacity: Int(length) + 24)
            WebSocketEnvelope.encode(ChatFrame(id: MessageID(rawValue: id), body: body), into: &message)
            last = context.write(Self.wrapOutboundOut(WebSocketFrame(fin: true, opcode: .text, maskKey: .random(), data: message)))
        }
        if let promise {
            if let last { last.cascade(to: promise) } else { promise.succeed() }
        }
    }
}
