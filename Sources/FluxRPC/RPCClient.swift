import FluxProtocol
import Foundation
import Logging
import Metrics
import NIOCore
import NIOFoundationCompat
import NIOPosix

/// The JSON-over-TCP RPC client: one connection to a peer, many calls in flight on it (matched by id),
/// a timeout per call, and reconnection with exponential backoff. While the peer is down, calls fail
/// at once with 1002 naming the peer instead of waiting.
public final class RPCClient: Sendable {
    /// `host:port` of the peer, for messages.
    public let peer: String
    private let host: String
    private let port: Int
    private let timeout: Duration
    private let state: RPCClientState

    public init(host: String, port: Int, timeout: Duration = .seconds(5), logger: Logger) {
        self.host = host
        self.port = port
        self.peer = "\(host):\(port)"
        self.timeout = timeout
        self.state = RPCClientState(peer: "\(host):\(port)", logger: logger)
    }

    /// Calls `method` with JSON `params` and returns the JSON result. Failures are counted in
    /// `flux_rpc_errors_total{method,code}`.
    public func call(_ method: String, params: Data, timeout: Duration? = nil) async throws(FluxError) -> Data {
        do {
            return try await perform(method, params: params, timeout: timeout)
        } catch {
            Counter(label: "flux_rpc_errors_total", dimensions: [("method", method), ("code", "\(error.code.rawValue)")]).increment()
            throw error
        }
    }

    private func perform(_ method: String, params: Data, timeout: Duration?) async throws(FluxError) -> Data {
        let connection = try await connect()
        let id = await state.nextID()
        let envelope = RPCEnvelope.encodeCall(id: id, method: method, params: params)
        let limit = timeout ?? self.timeout
        let state = self.state
        let peer = self.peer
        do {
            return try await withCheckedThrowingContinuation { continuation in
                Task {
                    await state.register(id, continuation)
                    connection.writeAndFlush(ByteBuffer(data: envelope)).whenFailure { error in
                        Task { await state.fail(id, FluxError(.rpcFailed, "\(peer): send failed: \(error)")) }
                    }
                    let timer = Task {
                        try await Task.sleep(for: limit)
                        await state.fail(id, FluxError(.rpcFailed, "\(peer): \(method) timed out after \(limit)"))
                    }
                    await state.attach(timer, to: id)
                }
            }
        } catch let error as FluxError {
            throw error
        } catch {
            throw FluxError(.rpcFailed, "\(peer): \(error)")
        }
    }

    /// Calls a typed method.
    public func call<P: Encodable, R: Decodable>(_ method: String, _ params: P, as type: R.Type, timeout: Duration? = nil) async throws(FluxError) -> R {
        let data: Data
        do {
            data = try JSONEncoder().encode(params)
        } catch {
            throw FluxError(.internalError, "cannot encode params of \(method): \(error)")
        }
        let result = try await call(method, params: data, timeout: timeout)
        do {
            return try JSONDecoder().decode(R.self, from: result)
        } catch {
            throw FluxError(.rpcFailed, "\(peer): bad result for \(method): \(error)")
        }
    }

    /// Closes the connection; later calls reconnect.
    public func close() async {
        await state.closeConnection()
    }

    private func connect() async throws(FluxError) -> any Channel {
        if let channel = await state.liveChannel() { return channel }
        try await state.checkBackoff()
        let state = self.state
        do {
            let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .channelOption(.socketOption(.tcp_nodelay), value: 1)
                // A peer that vanished without closing (host down, network cut) is noticed by the kernel.
                .channelOption(.socketOption(.so_keepalive), value: 1)
                .connectTimeout(.seconds(2))
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(RPCFrameDecoder()))
                        try channel.pipeline.syncOperations.addHandler(MessageToByteHandler(RPCFrameEncoder()))
                        try channel.pipeline.syncOperations.addHandler(RPCAnswerHandler(state: state))
                    }
                }
                .connect(host: host, port: port).get()
            return await state.adopt(channel)
        } catch {
            await state.connectFailed()
            throw FluxError(.rpcFailed, "peer \(peer) is unreachable: \(error)")
        }
    }
}

/// Routes answers to the waiting calls and fails them all when the connection drops.
final class RPCAnswerHandler: ChannelInboundHandler, Sendable {
    typealias InboundIn = ByteBuffer
    private let state: RPCClientState

    init(state: RPCClientState) { self.state = state }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = Self.unwrapInboundIn(data)
        let state = self.state
        guard let answer = try? RPCEnvelope.decodeAnswer(Data(buffer: buffer)) else { return }
        Task { await state.complete(answer) }
    }

    func channelInactive(context: ChannelHandlerContext) {
        let state = self.state
        let channel = context.channel
        Task { await state.connectionLost(channel) }
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}

/// The mutable side of an `RPCClient`: the connection, the calls in flight, the backoff.
actor RPCClientState {
    private let peer: String
    private let logger: Logger
    private var channel: (any Channel)?
    private var pending: [UInt64: CheckedContinuation<Data, any Error>] = [:]
    private var timers: [UInt64: Task<Void, any Error>] = [:]
    private var lastID: UInt64 = 0
    private var backoff: Duration = .zero
    private var retryAt: ContinuousClock.Instant?

    init(peer: String, logger: Logger) {
        self.peer = peer
        self.logger = logger
    }

    func nextID() -> UInt64 {
        lastID += 1
        return lastID
    }

    func liveChannel() -> (any Channel)? {
        guard let channel, channel.isActive else { return nil }
        return channel
    }

    /// Keeps the first of two racing connections and closes the other.
    func adopt(_ fresh: any Channel) -> any Channel {
        backoff = .zero
        retryAt = nil
        if let channel, channel.isActive {
            fresh.close(promise: nil)
            return channel
        }
        channel = fresh
        return fresh
    }

    func checkBackoff() throws(FluxError) {
        if let retryAt, ContinuousClock.now < retryAt {
            throw FluxError(.rpcFailed, "peer \(peer) is down (next try in \(ContinuousClock.now.duration(to: retryAt)))")
        }
    }

    func connectFailed() {
        backoff = backoff == .zero ? .milliseconds(100) : min(backoff * 2, .seconds(5))
        retryAt = ContinuousClock.now.advanced(by: backoff)
        logger.warning("rpc peer unreachable", metadata: ["peer": "\(peer)", "retry_in": "\(backoff)"])
    }

    func register(_ id: UInt64, _ continuation: CheckedContinuation<Data, any Error>) {
        pending[id] = continuation
    }

    /// Keeps the timeout of call `id`, or cancels it if the call already ended.
    func attach(_ timer: Task<Void, any Error>, to id: UInt64) {
        if pending[id] == nil {
            timer.cancel()
        } else {
            timers[id] = timer
        }
    }

    func complete(_ answer: RPCEnvelope.Answer) {
        timers.removeValue(forKey: answer.id)?.cancel()
        guard let continuation = pending.removeValue(forKey: answer.id) else { return }
        switch answer.result {
        case .success(let data): continuation.resume(returning: data)
        case .failure(let error): continuation.resume(throwing: error)
        }
    }

    func fail(_ id: UInt64, _ error: FluxError) {
        timers.removeValue(forKey: id)?.cancel()
        pending.removeValue(forKey: id)?.resume(throwing: error)
    }

    func connectionLost(_ lost: any Channel) {
        guard channel === lost else { return }
        channel = nil
        let failed = pending
        pending.removeAll()
        for timer in timers.values { timer.cancel() }
        timers.removeAll()
        for continuation in failed.values {
            continuation.resume(throwing: FluxError(.rpcFailed, "connection to \(peer) lost"))
        }
    }

    func closeConnection() {
        channel?.close(promise: nil)
        channel = nil
    }
}
