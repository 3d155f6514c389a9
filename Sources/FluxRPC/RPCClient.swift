import FluxProtocol
import Foundation
import Logging
import Metrics
import NIOCore
import NIOFoundationCompat
import NIOPosix
import Synchronization

/// The RPC client: one authenticated connection to a peer, many calls in flight on it (matched by id),
/// a timeout per call, the caller's cancellation honoured, and reconnection with exponential backoff.
/// While the peer is down, calls fail at once with 1002 naming the peer instead of waiting.
public final class RPCClient: RPCCaller, Sendable {
    /// `host:port` of the peer, for messages.
    public let peer: String
    private let host: String
    private let port: Int
    private let timeout: Duration
    private let security: RPCSecurity
    private let logger: Logger
    private let state = Mutex(ConnectionState())
    private let lastID = Atomic<UInt64>(0)

    private struct ConnectionState {
        var channel: (any Channel)?
        var connecting: EventLoopFuture<any Channel>?
        var backoff: Duration = .zero
        var retryAt: ContinuousClock.Instant?
        /// The last attempt to connect failed (refused, timed out, or the handshake failed).
        var unreachable = false
    }

    public init(host: String, port: Int, security: RPCSecurity, timeout: Duration = .seconds(5), logger: Logger) {
        self.host = host
        self.port = port
        self.peer = "\(host):\(port)"
        self.security = security
        self.timeout = timeout
        self.logger = logger
    }

    /// An RPC client for `host:port` text; nil if it is not that shape.
    public convenience init?(address: String, security: RPCSecurity, timeout: Duration = .seconds(5), logger: Logger) {
        guard let colon = address.lastIndex(of: ":"), let port = Int(address[address.index(after: colon)...]) else { return nil }
        self.init(host: String(address[..<colon]), port: port, security: security, timeout: timeout, logger: logger)
    }

    /// Whether the peer is known to be down: no connection, and the last attempt to open one failed.
    public var isUnreachable: Bool {
        state.withLock { $0.channel == nil && $0.unreachable }
    }

    public func call(_ method: String, params: ByteBuffer, timeout: Duration?) async throws(FluxError) -> ByteBuffer {
        switch await attempt(method, params: params, timeout: timeout) {
        case .success(let value):
            return value
        case .failure(let failure):
            Counter(label: "flux_rpc_errors_total", dimensions: [("method", method), ("code", "\(failure.error.code.rawValue)")]).increment()
            throw failure.error
        }
    }

    /// One call, with what kind of failure it met (for fail-over).
    func attempt(_ method: String, params: ByteBuffer, timeout: Duration?) async -> Result<ByteBuffer, RPCFailure> {
        let channel: any Channel
        switch await connection() {
        case .success(let open): channel = open
        case .failure(let failure): return .failure(failure)
        }
        let id = lastID.wrappingAdd(1, ordering: .relaxed).newValue
        let limit = timeout ?? self.timeout
        let promise = channel.eventLoop.makePromise(of: ByteBuffer.self)
        let call = RPCOutboundCall(
            id: id, method: method, params: params, timeout: .nanoseconds(Int64(limit.components.seconds) * 1_000_000_000
                + limit.components.attoseconds / 1_000_000_000),
            promise: promise)
        let peer = self.peer
        channel.writeAndFlush(call).whenFailure { _ in promise.fail(RPCLost(FluxError(.rpcFailed, "connection to \(peer) lost"))) }
        do {
            return .success(try await withTaskCancellationHandler {
                try await promise.futureResult.get()
            } onCancel: {
                channel.triggerUserOutboundEvent(RPCCancelCall(id: id), promise: nil)
            })
        } catch let lost as RPCLost {
            return .failure(.lost(lost.error))
        } catch let error as FluxError {
            return .failure(.remote(error))
        } catch {
            return .failure(.lost(FluxError(.rpcFailed, "\(peer): \(method) cancelled")))
        }
    }

    /// Closes the connection; later calls reconnect.
    public func close() async {
        let channel = state.withLock { state -> (any Channel)? in
            defer { state.channel = nil }
            return state.channel
        }
        try? await channel?.close()
    }

    /// The open connection, or a new one (shared by the calls that wait for it).
    private func connection() async -> Result<any Channel, RPCFailure> {
        enum Next {
            case open(any Channel)
            case wait(EventLoopFuture<any Channel>, started: Bool)
            case down(Duration)
        }
        let next = state.withLock { state -> Next in
            if let channel = state.channel, channel.isActive { return .open(channel) }
            if let connecting = state.connecting { return .wait(connecting, started: false) }
            if let retryAt = state.retryAt, ContinuousClock.now < retryAt { return .down(ContinuousClock.now.duration(to: retryAt)) }
            let future = connect()
            state.connecting = future
            return .wait(future, started: true)
        }
        switch next {
        case .open(let channel):
            return .success(channel)
        case .down(let wait):
            return .failure(.unreachable(FluxError(.rpcFailed, "peer \(peer) is down (next try in \(wait))")))
        case .wait(let future, let started):
            do {
                let channel = try await future.get()
                if started { adopt(channel) }
                return .success(channel)
            } catch {
                if started { connectFailed(error) }
                return .failure(.unreachable(FluxError(.rpcFailed, "peer \(peer) is unreachable: \(error)")))
            }
        }
    }

    private func connect() -> EventLoopFuture<any Channel> {
        let loop = MultiThreadedEventLoopGroup.singleton.next()
        let authenticated = loop.makePromise(of: Void.self)
        let security = self.security
        let peer = self.peer
        let connected = ClientBootstrap(group: loop)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            // A peer that vanished without closing (host down, network cut) is noticed by the kernel.
            .channelOption(.socketOption(.so_keepalive), value: 1)
            .connectTimeout(.seconds(2))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try RPCPipeline.configureClient(
                        channel, security: security, authenticated: authenticated, calls: RPCClientHandler(peer: peer))
                }
            }
            .connect(host: host, port: port)
        connected.whenFailure { authenticated.fail($0) }
        return connected.flatMap { channel in
            authenticated.futureResult.map { channel }.flatMapErrorThrowing { error in
                channel.close(promise: nil)
                throw error
            }
        }
    }

    private func adopt(_ channel: any Channel) {
        state.withLock { state in
            state.channel = channel
            state.connecting = nil
            state.backoff = .zero
            state.retryAt = nil
            state.unreachable = false
        }
        channel.closeFuture.whenComplete { _ in
            self.state.withLock { state in
                if state.channel === channel { state.channel = nil }
            }
        }
    }

    private func connectFailed(_ error: any Error) {
        let backoff = state.withLock { state -> Duration in
            state.connecting = nil
            state.unreachable = true
            state.backoff = state.backoff == .zero ? .milliseconds(100) : min(state.backoff * 2, .seconds(2))
            state.retryAt = ContinuousClock.now.advanced(by: state.backoff)
            return state.backoff
        }
        if error is RPCHandshakeFailed {
            logger.error("rpc peer refused the handshake: check rpc.secret and the TLS files", metadata: ["peer": "\(peer)", "error": "\(error)"])
        } else {
            logger.warning("rpc peer unreachable", metadata: ["peer": "\(peer)", "retry_in": "\(backoff)"])
        }
    }
}

/// How a call failed, for callers that fail over to another peer.
enum RPCFailure: Error {
    /// No connection could be opened (refused, timed out, handshake refused): the call never left.
    case unreachable(FluxError)
    /// The connection broke or the call timed out: it may or may not have run.
    case lost(FluxError)
    /// The peer ran the call and answered with an error.
    case remote(FluxError)

    var error: FluxError {
        switch self {
        case .unreachable(let error), .lost(let error), .remote(let error): error
        }
    }
}
