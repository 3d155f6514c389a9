import FluxProtocol
import NIOCore
import NIOPosix

/// A chat connection for load generation: every frame is handed to `onFrame` on the connection's event
/// loop, with no task, actor hop or JSON per frame (`ChatClient` is the convenient one for tests).
public final class FrameConnection: Sendable {
    /// The connection's channel; its event loop is where `onFrame` runs.
    public let channel: any Channel

    private init(channel: any Channel) {
        self.channel = channel
    }

    /// Connects to `host:port`, from `sourceHost` when given (several loopback source addresses pass the
    /// limit of ports per address pair).
    public static func connect(
        host: String, port: Int, sourceHost: String? = nil, group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        onFrame: @escaping @Sendable (ChatFrame) -> Void, onClose: @escaping @Sendable () -> Void = {}
    ) async throws -> FrameConnection {
        var bootstrap = ClientBootstrap(group: group)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(
                        ByteToMessageHandler(ChatFrameDecoder(maximumBodyLength: ChatFrame.maximumBodyLength)))
                    try channel.pipeline.syncOperations.addHandler(FrameCallbackHandler(onFrame: onFrame, onClose: onClose))
                }
            }
        if let sourceHost {
            bootstrap = bootstrap.bind(to: try SocketAddress(ipAddress: sourceHost, port: 0))
        }
        return FrameConnection(channel: try await bootstrap.connect(host: host, port: port).get())
    }

    /// Connects to a chat WebSocket (same frames as over TCP, one per WebSocket message); returns once the
    /// upgrade is done.
    public static func connect(
        webSocket target: WebSocketTarget, sourceHost: String? = nil, group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        onFrame: @escaping @Sendable (ChatFrame) -> Void, onClose: @escaping @Sendable () -> Void = {}
    ) async throws -> FrameConnection {
        let upgraded = group.any().makePromise(of: Void.self)
        var bootstrap = ClientBootstrap(group: group)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try WebSocketHandshake.install(on: channel, target: target, origin: nil) { channel in
                        try channel.pipeline.syncOperations.addHandler(FrameCallbackHandler(onFrame: onFrame, onClose: onClose))
                        upgraded.succeed()
                    } failed: { error in
                        upgraded.fail(error)
                    }
                }
            }
        if let sourceHost {
            bootstrap = bootstrap.bind(to: try SocketAddress(ipAddress: sourceHost, port: 0))
        }
        let channel = try await bootstrap.connect(host: target.host, port: target.port).get()
        do {
            try await upgraded.futureResult.get()
        } catch {
            try? await channel.close()
            throw error
        }
        return FrameConnection(channel: channel)
    }

    /// Queues a frame without flushing (call `flush`, or use `send`).
    public func write(_ id: MessageID, body: ByteBuffer) {
        var buffer = channel.allocator.buffer(capacity: ChatFrame.headerLength + body.readableBytes)
        buffer.writeMultipleIntegers(id.rawValue, UInt16(truncatingIfNeeded: body.readableBytes))
        buffer.writeImmutableBuffer(body)
        channel.write(buffer, promise: nil)
    }

    /// Sends a frame now.
    public func send(_ id: MessageID, body: ByteBuffer) {
        write(id, body: body)
        channel.flush()
    }

    /// Sends a frame whose body is `text`.
    public func send(_ id: MessageID, text: String) {
        send(id, body: ByteBuffer(string: text))
    }

    public func flush() {
        channel.flush()
    }

    public func close() {
        channel.close(promise: nil)
    }
}

/// Hands decoded frames to a closure on the event loop.
private final class FrameCallbackHandler: ChannelInboundHandler {
    typealias InboundIn = ChatFrame

    private let onFrame: @Sendable (ChatFrame) -> Void
    private let onClose: @Sendable () -> Void

    init(onFrame: @escaping @Sendable (ChatFrame) -> Void, onClose: @escaping @Sendable () -> Void) {
        self.onFrame = onFrame
        self.onClose = onClose
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        onFrame(unwrapInboundIn(data))
    }

    func channelInactive(context: ChannelHandlerContext) {
        onClose()
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}
