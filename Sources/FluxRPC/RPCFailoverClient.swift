import FluxProtocol
import Logging
import NIOCore
import Synchronization

/// Several peers serving the same role (status or verify processes): calls go to the one that answered
/// last, and move to the next when it cannot be reached or its connection breaks.
public final class RPCFailoverClient: RPCCaller, Sendable {
    private let peers: [RPCClient]
    private let current = Atomic<Int>(0)
    private let logger: Logger

    public init(peers: [RPCClient], logger: Logger) {
        precondition(!peers.isEmpty, "a fail-over client needs at least one peer")
        self.peers = peers
        self.logger = logger
    }

    /// The peers' addresses, in order.
    public var addresses: [String] { peers.map(\.peer) }

    public func call(_ method: String, params: ByteBuffer, timeout: Duration?) async throws(FluxError) -> ByteBuffer {
        let start = current.load(ordering: .relaxed)
        var lastError = FluxError(.rpcFailed, "no peer")
        for offset in 0..<peers.count {
            let index = (start + offset) % peers.count
            switch await peers[index].attempt(method, params: params, timeout: timeout) {
            case .success(let value):
                if index != start {
                    current.store(index, ordering: .relaxed)
                    logger.notice("rpc failed over", metadata: ["method": "\(method)", "to": "\(peers[index].peer)"])
                }
                return value
            case .failure(.remote(let error)):
                throw error
            case .failure(.unreachable(let error)), .failure(.lost(let error)):
                lastError = error
            }
        }
        throw lastError
    }

    /// Closes every connection.
    public func close() async {
        for peer in peers { await peer.close() }
    }
}
