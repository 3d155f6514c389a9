import FluxProtocol
import Foundation
import Logging
import NIOCore
import NIOFoundationCompat
import NIOPosix
import ServiceLifecycle
import Synchronization

/// The RPC server: each role that serves RPC registers its methods here. Every connection must pass the
/// handshake (`RPCHandshake`, and TLS when configured) before any call is read; calls on one connection
/// run concurrently, a bounded number at a time, and answers carry the call's id.
public final class RPCServer: Service, Sendable {
    private let host: String
    private let port: Int
    private let security: RPCSecurity
    private let logger: Logger
    private let methods = RPCMethods()
    private let maximumInFlight: Int
    private let connections = Mutex<[ObjectIdentifier: any Channel]>([:])
    /// Signalled with the bound port.
    public let ready = ReadySignal()

    /// `maximumInFlight` bounds the calls of one connection that run at once.
    public init(host: String, port: Int, security: RPCSecurity, maximumInFlight: Int = 256, logger: Logger) {
        self.host = host
        self.port = port
        self.security = security
        self.maximumInFlight = maximumInFlight
        self.logger = logger
        register("rpc.ping") { _ in ByteBuffer(string: "{}") }
    }

    /// Registers `method` on raw JSON; a later registration of the same name replaces it.
    public func register(_ method: String, _ handler: @escaping @Sendable (ByteBuffer) async throws -> ByteBuffer) {
        methods.register(method, handler)
    }

    /// Registers a typed method: params are decoded once, straight from the message.
    public func register<P: Decodable & Sendable, R: Encodable & Sendable>(
        _ method: String, _ params: P.Type, _ body: @escaping @Sendable (P) async throws -> R
    ) {
        register(method) { buffer in
            let decoded: P
            do {
                decoded = try JSONDecoder().decode(P.self, from: buffer)
            } catch {
                throw FluxError(.badJSON, "bad params for \(method): \(error)")
            }
            return ByteBuffer(data: try JSONEncoder().encode(try await body(decoded)))
        }
    }

    public func run() async throws {
        let listener: any Channel
        do {
            listener = try await bind()
        } catch {
            await ready.fail(error)
            throw error
        }
        let boundPort = listener.localAddress?.port ?? port
        logger.notice("rpc listening", metadata: ["address": "\(host):\(boundPort)", "tls": "\(security.tls != nil)"])
        await ready.signal(port: boundPort)
        // Peers keep their connections open; close them too so shutdown completes (their calls fail with
        // "connection lost" and they reconnect elsewhere or later).
        let stop: @Sendable () -> Void = {
            listener.close(promise: nil)
            for channel in self.connections.withLock({ Array($0.values) }) { channel.close(promise: nil) }
        }
        // Cancellation too: when another service of the process fails (a port taken), the group cancels
        // this one, and a listener left open would hold the process until ServiceLifecycle's timeout crashes it.
        await withTaskCancellationHandler {
            await withGracefulShutdownHandler {
                try? await listener.closeFuture.get()
            } onGracefulShutdown: {
                stop()
            }
        } onCancel: {
            stop()
        }
    }

    private func bind() async throws -> any Channel {
        let security = self.security
        let logger = self.logger
        let methods = self.methods
        let maximumInFlight = self.maximumInFlight
        return try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelOption(.socketOption(.so_keepalive), value: 1)
            .childChannelInitializer { channel in
                self.track(channel)
                return channel.eventLoop.makeCompletedFuture {
                    try RPCPipeline.configureServer(
                        channel, security: security, logger: logger,
                        calls: RPCServerHandler(methods: methods, logger: logger, maximumInFlight: maximumInFlight))
                }
            }
            .bind(host: host, port: port).get()
    }

    private func track(_ channel: any Channel) {
        let key = ObjectIdentifier(channel)
        connections.withLock { $0[key] = channel }
        channel.closeFuture.whenComplete { _ in self.connections.withLock { _ = $0.removeValue(forKey: key) } }
    }
}
