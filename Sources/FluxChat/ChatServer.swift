import FluxProtocol
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle
import Synchronization

/// The chat listener: frames over TCP (SwiftNIO with `NIOAsyncChannel`, in the style of
/// `NIOTCPEchoServer`), one task per connection, each connection's errors kept to itself.
public struct ChatServer: Service {
    private let configuration: ChatConfiguration
    private let service: ChatService
    private let logger: Logger
    private let onListening: @Sendable (Int) async -> Void
    private static let sessionIDs = Atomic<UInt64>(0)

    public init(
        configuration: ChatConfiguration,
        service: ChatService,
        logger: Logger,
        onListening: @escaping @Sendable (Int) async -> Void = { _ in }
    ) {
        self.configuration = configuration
        self.service = service
        self.logger = logger
        self.onListening = onListening
    }

    public func run() async throws {
        let maxBody = configuration.maxBodyBytes
        let idle = TimeAmount.nanoseconds(Int64(configuration.idleTimeout.components.seconds) * 1_000_000_000
            + configuration.idleTimeout.components.attoseconds / 1_000_000_000)
        let listener = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.backlog, value: 1024)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            // Chat frames are small and most connections idle: start reads small (the allocator grows
            // them for busy connections) so an idle connection does not keep a 2 KiB read buffer.
            .childChannelOption(.recvAllocator, value: AdaptiveRecvByteBufferAllocator(minimum: 64, initial: 256, maximum: 65536))
            .bind(host: configuration.host, port: configuration.port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    let pipeline = channel.pipeline.syncOperations
                    try pipeline.addHandler(IdleStateHandler(readTimeout: idle))
                    try pipeline.addHandler(CloseOnIdleHandler())
                    try pipeline.addHandler(ByteToMessageHandler(ChatFrameDecoder(maximumBodyLength: maxBody)))
                    try pipeline.addHandler(MessageToByteHandler(ChatFrameEncoder()))
                    return try NIOAsyncChannel<ChatFrame, ChatFrame>(wrappingChannelSynchronously: channel)
                }
            }
        let port = listener.channel.localAddress?.port ?? configuration.port
        logger.notice("chat listening", metadata: ["address": "\(configuration.host):\(port)"])
        await onListening(port)

        try await withGracefulShutdownHandler {
            try await withThrowingDiscardingTaskGroup { group in
                try await listener.executeThenClose { connections in
                    for try await connection in connections {
                        group.addTask { await self.serve(connection) }
                    }
                }
            }
        } onGracefulShutdown: {
            listener.channel.close(promise: nil)
            Task { await service.closeAllConnections() }
        }
        logger.info("chat listener stopped")
    }

    /// One connection: a reader loop handling frames in order; replies and notices go out through the
    /// session's `SessionWriter`. Whatever happens, the connection is cleaned up and nothing escapes.
    private func serve(_ connection: NIOAsyncChannel<ChatFrame, ChatFrame>) async {
        let channel = connection.channel
        let tracker = service.tracker
        let metrics = service.metrics
        let writer = SessionWriter(channel: channel, limit: configuration.outboundQueueLimit) { frames in
            // In the socket now: only then is a text marked delivered.
            var delivered: [Int64] = []
            for item in frames {
                guard let delivery = item.delivery else { continue }
                metrics.delivered(committedAt: delivery.committedAt)
                delivered.append(delivery.messageID)
            }
            if !delivered.isEmpty { tracker.delivered(delivered) }
        }
        let session = ChatSession(
            id: Self.sessionIDs.wrappingAdd(1, ordering: .relaxed).newValue,
            writer: writer,
            remote: channel.remoteAddress.map { "\($0.ipAddress ?? "?"):\($0.port ?? 0)" } ?? "",
            onOverflow: { [metrics = service.metrics] in metrics.queueDrops.increment() },
            closeConnection: { channel.close(promise: nil) })
        await service.connected(session)
        do {
            try await connection.executeThenClose { inbound, _ in
                do {
                    for try await frame in inbound {
                        await service.handle(frame, in: session)
                    }
                } catch let error as ChatFrameError {
                    if case .bodyTooLarge(let id, let length, let limit) = error {
                        logger.info("frame over the body limit; closing", metadata: ["session": "\(session.id)", "length": "\(length)"])
                        service.send(.notifyError, ErrorNotice(
                            error: .payloadTooLarge, msgid: Int(id), reason: "body of \(length) bytes is over the limit of \(limit)"),
                            to: session)
                    }
                } catch {
                    logger.debug("connection read ended", metadata: ["session": "\(session.id)", "error": "\(error)"])
                }
                // Queued frames go out, then the writer closes the connection; wait for that here, since
                // leaving this closure closes the channel at once.
                session.finish()
                try? await channel.closeFuture.get()
            }
        } catch {
            logger.debug("connection closed with error", metadata: ["session": "\(session.id)", "error": "\(error)"])
        }
        await service.disconnected(session)
    }
}
