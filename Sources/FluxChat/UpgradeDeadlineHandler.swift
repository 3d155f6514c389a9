import NIOCore

/// Closes a WebSocket connection whose upgrade has not completed within `timeout` of opening, so a client
/// cannot hold a descriptor with a half-sent HTTP request. Removed from the pipeline at the upgrade; from
/// then on the chat idle and login sweeps apply.
final class UpgradeDeadlineHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = NIOAny

    private let timeout: TimeAmount
    private var deadline: Scheduled<Void>?

    init(timeout: TimeAmount) {
        self.timeout = timeout
    }

    func handlerAdded(context: ChannelHandlerContext) {
        let channel = context.channel
        deadline = context.eventLoop.scheduleTask(in: timeout) { channel.close(promise: nil) }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        deadline?.cancel()
        deadline = nil
    }
}
