import Logging
import NIOCore

/// The first handler of every accepted connection: admits it against the listener's caps or answers
/// `refusal` (bytes the client's protocol understands) and closes it; releases it when it closes.
public final class ConnectionGuardHandler: ChannelInboundHandler, RemovableChannelHandler {
    public typealias InboundIn = ByteBuffer
    public typealias InboundOut = ByteBuffer

    private let limiter: ConnectionLimiter
    private let refusal: @Sendable (ConnectionLimiter.Refusal) -> [UInt8]
    private let logger: Logger
    private var admittedAddress: String?
    private var refused = false

    /// `refusal` gives the answer to write before closing a refused connection (empty: close at once).
    public init(limiter: ConnectionLimiter, logger: Logger, refusal: @escaping @Sendable (ConnectionLimiter.Refusal) -> [UInt8]) {
        self.limiter = limiter
        self.refusal = refusal
        self.logger = logger
    }

    public func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { admit(context: context) }
    }

    public func channelActive(context: ChannelHandlerContext) {
        admit(context: context)
        if !refused { context.fireChannelActive() }
    }

    private func admit(context: ChannelHandlerContext) {
        guard admittedAddress == nil, !refused else { return }
        let address = context.channel.remoteAddress?.ipAddress ?? "unknown"
        if let reason = limiter.admit(address) {
            refused = true
            logger.debug("connection refused", metadata: ["address": "\(address)", "reason": "\(reason)"])
            let answer = refusal(reason)
            if answer.isEmpty {
                context.close(promise: nil)
            } else {
                let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
                context.writeAndFlush(NIOAny(ByteBuffer(bytes: answer))).whenComplete { _ in loopBound.value.close(promise: nil) }
            }
            return
        }
        admittedAddress = address
    }

    public func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        // A refused connection's bytes go nowhere.
        if !refused { context.fireChannelRead(data) }
    }

    public func channelInactive(context: ChannelHandlerContext) {
        if let address = admittedAddress {
            admittedAddress = nil
            limiter.release(address)
        }
        if !refused { context.fireChannelInactive() }
    }
}
