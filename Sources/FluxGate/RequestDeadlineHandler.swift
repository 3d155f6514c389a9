import NIOCore
import NIOHTTPTypes

/// Deadlines on a gate connection, so a client cannot hold a connection (and its descriptor) by sending
/// slowly or not at all: the request head must be complete within `headTimeout` of the connection opening,
/// its body within `bodyTimeout` of the head, and the next request's head within `keepAliveTimeout` of the
/// moment the connection fell idle (every request read and answered). Only while the server works on a
/// complete request is there no deadline. A response may end before its request's body does (a 404 is
/// answered without reading the body, which is then read and dropped): the body deadline holds until the
/// body ends. A response marked `Connection: close` (a 413, say) closes the connection once written,
/// rather than reading the rest of an oversized body.
final class RequestDeadlineHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private let headTimeout: TimeAmount
    private let bodyTimeout: TimeAmount
    private let keepAliveTimeout: TimeAmount
    private var deadline: Scheduled<Void>?
    private var closeAfterResponse = false
    /// Request heads and ends read, and responses ended, on this connection so far.
    private var headsRead = 0
    private var endsRead = 0
    private var responsesEnded = 0

    init(headTimeout: TimeAmount, bodyTimeout: TimeAmount, keepAliveTimeout: TimeAmount) {
        self.headTimeout = headTimeout
        self.bodyTimeout = bodyTimeout
        self.keepAliveTimeout = keepAliveTimeout
    }

    func handlerAdded(context: ChannelHandlerContext) {
        arm(headTimeout, context: context)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        deadline?.cancel()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch Self.unwrapInboundIn(data) {
        case .head:
            headsRead += 1
            arm(bodyTimeout, context: context)
        case .end:
            endsRead += 1
            if responsesEnded >= endsRead {
                arm(keepAliveTimeout, context: context)  // answered before its body ended: idle now
            } else {
                disarm()  // the server works on it
            }
        case .body:
            break
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch Self.unwrapOutboundIn(data) {
        case .head(let response):
            if response.headerFields[.connection]?.lowercased() == "close" { closeAfterResponse = true }
            context.write(data, promise: promise)
        case .body:
            context.write(data, promise: promise)
        case .end:
            if closeAfterResponse {
                let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
                let written = promise ?? context.eventLoop.makePromise()
                written.futureResult.whenComplete { _ in loopBound.value.close(promise: nil) }
                context.writeAndFlush(data, promise: written)
            } else {
                responsesEnded += 1
                // Idle once every request read is answered; a body still arriving keeps its deadline.
                if headsRead == endsRead, responsesEnded >= endsRead { arm(keepAliveTimeout, context: context) }
                context.write(data, promise: promise)
            }
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        disarm()
        context.fireChannelInactive()
    }

    private func disarm() {
        deadline?.cancel()
        deadline = nil
    }

    private func arm(_ timeout: TimeAmount, context: ChannelHandlerContext) {
        deadline?.cancel()
        let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
        deadline = context.eventLoop.scheduleTask(in: timeout) {
            loopBound.value.close(promise: nil)
        }
    }
}
