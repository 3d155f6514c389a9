import Dispatch
import FluxNet
import FluxProtocol
import FluxStore
import Logging
import NIOCore
import NIOPosix
import NIOSSL
import ServiceLifecycle
import Synchronization

/// The chat listeners: frames over TCP, and the same frames as WebSocket messages on `chat.ws_port`
/// (NIOWebSocket; `ChatServer+WebSocket`). Both framings end in the same `ChatConnection` and
/// `ChatSession`, so protocol, limits, presence and delivery are one. Each connection's frames are handled
/// in order by a `ChatConnection`, whose task lives only while there is work, so idle connections cost no
/// task; each connection's errors are kept to itself.
public struct ChatServer: Service {
    let configuration: ChatConfiguration
    let service: ChatService
    let logger: Logger
    private let onListening: @Sendable (Int) async -> Void
    private let onWebSocketListening: @Sendable (Int) async -> Void
    let limiter: ConnectionLimiter
    let tls: NIOSSLContext?
    private static let sessionIDs = Atomic<UInt64>(0)

    /// `limiter` holds the listeners' connection caps (shared by TCP and WebSocket); TLS is on for both
    /// when the configuration names a certificate (throws if it cannot be loaded). `onListening` and
    /// `onWebSocketListening` hear the ports bound.
    public init(
        configuration: ChatConfiguration,
        service: ChatService,
        limiter: ConnectionLimiter,
        logger: Logger,
        onListening: @escaping @Sendable (Int) async -> Void = { _ in },
        onWebSocketListening: @escaping @Sendable (Int) async -> Void = { _ in }
    ) throws {
        self.configuration = configuration
        self.service = service
        self.limiter = limiter
        self.logger = logger
        self.onListening = onListening
        self.onWebSocketListening = onWebSocketListening
        if let certificate = configuration.tlsCertificate, let key = configuration.tlsKey {
            self.tls = try TLSFiles.serverContext(certificate: certificate, key: key)
        } else {
            self.tls = nil
        }
    }

    /// What a client over the connection caps reads before the connection closes: a 1117 with 1012.
    private static let refusal: [UInt8] = {
        var buffer = ByteBuffer()
        if let frame = try? ChatFrame(.notifyError, json: ErrorNotice(error: .rateLimited, msgid: 0, reason: "too many connections")) {
            try? ChatFrameEncoder.encode(frame, into: &buffer)
        }
        return Array(buffer.readableBytesView)
    }()

    public func run() async throws {
        let listener = try await bindTCP()
        let port = listener.localAddress?.port ?? configuration.port
        logger.notice("chat listening", metadata: ["address": "\(configuration.host):\(port)", "tls": "\(tls != nil)"])
        var listeners = [listener]
        if configuration.webSocketPort != nil {
            do {
                let webSocket = try await bindWebSocket()
                let webSocketPort = webSocket.localAddress?.port ?? 0
                logger.notice("chat websocket listening", metadata: [
                    "address": "\(configuration.host):\(webSocketPort)", "path": "\(Self.webSocketPath)", "tls": "\(tls != nil)",
                ])
                listeners.append(webSocket)
                await onWebSocketListening(webSocketPort)
            } catch {
                listener.close(promise: nil)
                throw error
            }
        }
        await onListening(port)
        let bound = listeners

        await withGracefulShutdownHandler {
            await withTaskCancellationHandler {
                await withTaskGroup(of: Void.self) { group in
                    group.addTask { await self.closeIdleConnections() }
                    try? await listener.closeFuture.get()
                    group.cancelAll()
                }
            } onCancel: {
                for listener in bound { listener.close(promise: nil) }
            }
        } onGracefulShutdown: {
            for listener in bound { listener.close(promise: nil) }
        }
        for listener in bound.dropFirst() { try? await listener.closeFuture.get() }
        // Every session's queued frames go out, then the connections close; wait for that (bounded).
        // Each round also finishes connections accepted just before the listener closed.
        let deadline = ContinuousClock.now.advanced(by: .seconds(10))
        repeat {
            await service.closeAllConnections()
            guard await service.connectionCount() > 0 else { break }
            try? await Task.sleep(for: .milliseconds(20))
        } while ContinuousClock.now < deadline && !Task.isCancelled
        // Deliveries written by the last drains are recorded before the store closes.
        await service.tracker.flush()
        logger.info("chat listener stopped")
    }

    /// The TCP listener: the original protocol's binary frames.
    private func bindTCP() async throws -> any Channel {
        let maxBody = configuration.maxBodyBytes
        let limiter = self.limiter
        let tls = self.tls
        let logger = self.logger
        return try await Self.bootstrap()
            .childChannelInitializer { [self] channel in
                channel.eventLoop.makeCompletedFuture {
                    let pipeline = channel.pipeline.syncOperations
                    // Few handlers: each costs memory on every idle connection. Frames are written as
                    // bytes by the session's writer; idle connections are closed by one sweep (below).
                    try pipeline.addHandler(ConnectionGuardHandler(limiter: limiter, logger: logger) { _ in tls == nil ? Self.refusal : [] })
                    if let tls { try pipeline.addHandler(NIOSSLServerHandler(context: tls)) }
                    try pipeline.addHandler(ChatConnectionHandler(connection: makeConnection(channel, framing: .tcp), framing: StreamFraming(maximumBodyLength: maxBody)))
                }
            }
            .bind(host: configuration.host, port: configuration.port).get()
    }

    /// Listener options shared by TCP and WebSocket.
    static func bootstrap() -> ServerBootstrap {
        ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.backlog, value: 4096)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            // Chat frames are small and most connections idle: start reads small (the allocator grows
            // them for busy connections) so an idle connection does not keep a 2 KiB read buffer.
            .childChannelOption(.recvAllocator, value: AdaptiveRecvByteBufferAllocator(minimum: 64, initial: 256, maximum: 65536))
    }

    /// Closes connections that sent nothing for `chat.idle_timeout`, and those that did not log in within
    /// `chat.login_timeout`: one sweep over all of them instead of a timer per connection (a timer costs
    /// memory on every idle connection). A connection is closed by the second sweep that finds it idle
    /// with nothing read in between, and only if its event loop still finds it idle: a starved process
    /// may hold a client's frames unread, and a sweep thread that runs while the loop waits for the CPU
    /// would close a client that is there. The timeouts are thus up to two sweep intervals longer.
    private func closeIdleConnections() async {
        let policy = IdlePolicy(idleTimeout: configuration.idleTimeout, loginTimeout: configuration.loginTimeout)
        let uptime = service.uptime
        let logger = self.logger
        // Session id → its last read when a sweep first found it idle (here, not in every session).
        var suspects: [UInt64: UInt64] = [:]
        while !Task.isCancelled {
            try? await Task.sleep(for: policy.interval)
            let now = uptime()
            var stillSuspect: [UInt64: UInt64] = [:]
            for session in await service.openConnections() where Self.idle(session, policy, now: now) {
                let lastRead = session.lastRead.load(ordering: .relaxed)
                if suspects[session.id] == lastRead {
                    session.closeIfStill {
                        let now = uptime()
                        guard Self.idle(session, policy, now: now) else { return false }
                        logger.debug("closing an idle connection", metadata: [
                            "session": "\(session.id)", "uid": "\(session.uid.map(String.init) ?? "-")",
                            "silent_ms": "\((now &- session.lastRead.load(ordering: .relaxed)) / 1_000_000)"])
                        return true
                    }
                } else {
                    stillSuspect[session.id] = lastRead
                }
            }
            suspects = stillSuspect
        }
    }

    private static func idle(_ session: ChatSession, _ policy: IdlePolicy, now: UInt64) -> Bool {
        policy.closes(
            now: now, lastRead: session.lastRead.load(ordering: .relaxed), openedAt: session.openedAt,
            loggedIn: session.uid != nil, handling: session.handling.load(ordering: .relaxed))
    }

    /// A connection's session and the writer that puts its frames in the socket.
    func makeConnection(_ channel: any Channel, framing: ChatWireFraming) -> ChatConnection {
        let tracker = service.tracker
        let metrics = service.metrics
        let writer = SessionWriter(channel: channel, limit: configuration.outboundQueueLimit, framing: framing) { frames in
            // In the socket now: only then is a text marked delivered.
            var delivered: [Int64] = []
            var groups: [GroupCursor] = []
            for item in frames {
                guard let delivery = item.delivery else { continue }
                metrics.delivered(committedAt: delivery.committedAt)
                if let gid = delivery.gid {
                    groups.append(GroupCursor(gid: gid, uid: delivery.uid, seq: delivery.messageID))
                } else {
                    delivered.append(delivery.messageID)
                }
            }
            if !delivered.isEmpty { tracker.delivered(delivered) }
            if !groups.isEmpty { tracker.delivered(groups: groups) }
        }
        let remote = channel.remoteAddress.map { "\($0.ipAddress ?? "?"):\($0.port ?? 0)" } ?? ""
        let session = ChatSession(
            id: Self.sessionIDs.wrappingAdd(1, ordering: .relaxed).newValue,
            writer: writer,
            remote: remote,
            openedAt: service.uptime(),
            onOverflow: { [logger] in
                metrics.queueDrops.increment()
                logger.info("outbound queue full; closing the connection", metadata: ["remote": "\(remote)"])
            },
            closeConnection: { ifStill in
                guard let ifStill else { return channel.close(promise: nil) }
                // Checked again on the loop: what it read meanwhile counts (a loop that was waiting
                // for input polls before it runs this task; a busy one may run it first).
                channel.eventLoop.execute { if ifStill() { channel.close(promise: nil) } }
            })
        return ChatConnection(session: session, channel: channel, service: service, logger: logger)
    }
}
