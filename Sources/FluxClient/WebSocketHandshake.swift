import NIOCore
import NIOHTTP1
import NIOWebSocket

/// Why a chat WebSocket could not be opened.
public struct WebSocketHandshakeError: Error, CustomStringConvertible {
    /// The HTTP status the server answered instead of 101, if it answered.
    public var status: Int?
    public var description: String { status.map { "the server refused the WebSocket upgrade with HTTP \($0)" } ?? "the WebSocket upgrade failed" }
}

/// Sets up the HTTP/1.1 upgrade to a chat WebSocket on a new client channel; `upgraded` runs on the event
/// loop once the server agreed (the WebSocket codec is in place), `failed` when it did not.
enum WebSocketHandshake {
    static func install(
        on channel: any Channel, target: WebSocketTarget, origin: String?,
        upgraded: @escaping @Sendable (any Channel) throws -> Void, failed: @escaping @Sendable (any Error) -> Void
    ) throws {
        let upgrader = NIOWebSocketClientUpgrader(maxFrameSize: 1 << 20, automaticErrorHandling: true) { channel, _ in
            channel.eventLoop.makeCompletedFuture {
                try channel.pipeline.syncOperations.addHandler(WebSocketClientCodec())
                try upgraded(channel)
            }
        }
        try channel.pipeline.syncOperations.addHTTPClientHandlers(
            withClientUpgrade: (upgraders: [upgrader], completionHandler: { context in
                context.pipeline.removeHandler(name: requestHandlerName, promise: nil)
            }))
        try channel.pipeline.syncOperations.addHandler(
            UpgradeRequestHandler(target: target, origin: origin, failed: failed), name: requestHandlerName)
    }

    private static let requestHandlerName = "flux.ws.request"
}

/// Sends the upgrade request when the connection opens; reports a refusal (any response that reaches it).
private final class UpgradeRequestHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundOut = HTTPClientRequestPart

    private let target: WebSocketTarget
    private let origin: String?
    private let failed: @Sendable (any Error) -> Void
    private var reported = false

    init(target: WebSocketTarget, origin: String?, failed: @escaping @Sendable (any Error) -> Void) {
        self.target = target
        self.origin = origin
        self.failed = failed
    }

    func channelActive(context: ChannelHandlerContext) {
        var headers = HTTPHeaders()
        headers.add(name: "Host", value: target.hostHeader)
        headers.add(name: "Content-Length", value: "0")
        if let origin { headers.add(name: "Origin", value: origin) }
        context.write(Self.wrapOutboundOut(.head(HTTPRequestHead(version: .http1_1, method: .GET, uri: target.path, headers: headers))), promise: nil)
        context.writeAndFlush(Self.wrapOutboundOut(.end(nil)), promise: nil)
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if case .head(let head) = Self.unwrapInboundIn(data) { report(WebSocketHandshakeError(status: Int(head.status.code)), context) }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        report(error, context)
    }

    func channelInactive(context: ChannelHandlerContext) {
        report(WebSocketHandshakeError(status: nil), context)
        context.fireChannelInactive()
    }

    private func report(_ error: any Error, _ context: ChannelHandlerContext) {
        guard !reported else { return }
        reported = true
        failed(error)
        context.close(promise: nil)
    }
}
