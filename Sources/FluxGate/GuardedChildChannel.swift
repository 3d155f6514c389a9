import HummingbirdCore
import Logging
import NIOCore
import FluxNet

/// Wraps the gate's HTTP child channel (plain or TLS) with the connection caps: the guard is the first
/// handler, so a refused connection costs no TLS handshake or HTTP parsing.
struct GuardedChildChannel<Base: ServerChildChannel>: ServerChildChannel {
    typealias Value = Base.Value

    let base: Base
    let limiter: ConnectionLimiter
    /// Whether the listener speaks TLS (then a refusal cannot be answered in plain HTTP).
    let tls: Bool

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        let tls = self.tls
        return channel.eventLoop.makeCompletedFuture {
            try channel.pipeline.syncOperations.addHandler(ConnectionGuardHandler(limiter: limiter, logger: logger) { _ in
                tls ? [] : Array(gateRefusal.utf8)
            })
        }.flatMap {
            base.setup(channel: channel, logger: logger)
        }
    }

    func handle(value: Value, logger: Logger) async {
        await base.handle(value: value, logger: logger)
    }

}

/// What a client over the gate's connection caps reads before the connection closes.
private let gateRefusal = "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nContent-Length: 14\r\n"
    + "Connection: close\r\nRetry-After: 1\r\n\r\n{\"error\":1012}"
