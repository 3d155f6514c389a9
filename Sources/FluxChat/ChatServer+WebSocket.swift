import FluxNet
import FluxProtocol
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import NIOWebSocket

extension ChatServer {
    /// The path of the chat WebSocket.
    public static let webSocketPath = "/ws"

    private static let deadlineHandlerName = "flux.ws.deadline"
    private static let refusalHandlerName = "flux.ws.refusal"

    /// What a client over the connection caps reads on the WebSocket port before the connection closes.
    private static let webSocketRefusal: [UInt8] = Array((
        "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nContent-Length: 14\r\n"
        + "Connection: close\r\n\r\n{\"error\":1012}").utf8)

    /// The WebSocket listener: an HTTP/1.1 upgrade on `/ws` from an allowed origin, then one
    /// `{"id", "body"}` text message per chat frame. The HTTP handlers are gone after the upgrade, so an
    /// idle WebSocket connection holds no more than a TCP one plus the WebSocket codec.
    func bindWebSocket() async throws -> any Channel {
        let limiter = self.limiter
        let tls = self.tls
        let logger = self.logger
        let origins = configuration.webSocketOrigins
        let maxBody = configuration.maxBodyBytes
        // A message holds the body and a short envelope; anything far larger is refused by the decoder.
        let maxMessage = maxBody + 1024
        let upgradeTimeout = TimeAmount.nanoseconds(Int64(configuration.loginTimeout.components.seconds) * 1_000_000_000
            + configuration.loginTimeout.components.attoseconds / 1_000_000_000)
        return try await Self.bootstrap()
            .childChannelInitializer { [self] channel in
                channel.eventLoop.makeCompletedFuture {
                    let pipeline = channel.pipeline.syncOperations
                    try pipeline.addHandler(ConnectionGuardHandler(limiter: limiter, logger: logger) { _ in tls == nil ? Self.webSocketRefusal : [] })
                    if let tls { try pipeline.addHandler(NIOSSLServerHandler(context: tls)) }
                    try pipeline.addHandler(UpgradeDeadlineHandler(timeout: upgradeTimeout), name: Self.deadlineHandlerName)
                    let upgrader = NIOWebSocketServerUpgrader(
                        maxFrameSize: maxMessage,
                        automaticErrorHandling: true,
                        shouldUpgrade: { channel, head in
                            let path = head.uri.split(separator: "?", maxSplits: 1).first.map(String.init) ?? head.uri
                            let accepted = path == Self.webSocketPath && origins.accepts(origin: head.headers.first(name: "Origin"))
                            return channel.eventLoop.makeSucceededFuture(accepted ? HTTPHeaders() : nil)
                        },
                        upgradePipelineHandler: { channel, _ in
                            channel.eventLoop.makeCompletedFuture {
                                let pipeline = channel.pipeline.syncOperations
                                pipeline.removeHandler(name: Self.deadlineHandlerName, promise: nil)
                                pipeline.removeHandler(name: Self.refusalHandlerName, promise: nil)
                                try pipeline.addHandler(NIOWebSocketFrameAggregator(
                                    minNonFinalFragmentSize: 0, maxAccumulatedFrameCount: 64, maxAccumulatedFrameSize: maxMessage))
                                try pipeline.addHandler(WebSocketChatCodec(maxBodyBytes: maxBody))
                                try pipeline.addHandler(ChatConnectionHandler(connection: self.makeConnection(channel, framing: .webSocket), framing: DecodedFraming()))
                            }
                        })
                    try pipeline.configureHTTPServerPipeline(
                        withServerUpgrade: (upgraders: [upgrader], completionHandler: { _ in }),
                        withErrorHandling: true)
                    try pipeline.addHandler(WebSocketUpgradeRefusal(path: Self.webSocketPath, origins: origins), name: Self.refusalHandlerName)
                }
            }
            .bind(host: configuration.host, port: configuration.webSocketPort ?? 0).get()
    }
}
