import FluxContracts
import FluxRPC
import Logging
import Synchronization

/// How chat nodes and operators reach chat nodes: the live ones from the shared `NodeRegistry` (read
/// directly, so delivery does not depend on a status process being up), each as a `ChatNodeAPI` — the
/// node itself when it runs in this process, an authenticated RPC client otherwise.
public final class NodeDirectory: Sendable {
    private struct Remote {
        var address: String
        var client: RPCClient
        var api: ChatNodeRPCClient
    }

    private let registry: NodeRegistry
    private let security: RPCSecurity
    private let logger: Logger
    private let refresh: Duration
    private let local = Mutex<[String: any ChatNodeAPI]>([:])
    private let remote = Mutex<[String: Remote]>([:])
    private let cache = Mutex<(at: ContinuousClock.Instant, nodes: [String: ChatNodeReport])?>(nil)

    /// Lists are re-read at most every `refresh`.
    public init(registry: NodeRegistry, security: RPCSecurity, logger: Logger, refresh: Duration = .seconds(1)) {
        self.registry = registry
        self.security = security
        self.logger = logger
        self.refresh = refresh
    }

    /// A chat node running in this process, reached without RPC.
    public func addLocal(name: String, _ node: any ChatNodeAPI) {
        local.withLock { $0[name] = node }
    }

    /// The live nodes by name. If the KV cannot be read, the last list is trusted for no longer than a
    /// registration lives.
    public func liveNodes(fresh: Bool = false) async -> [String: ChatNodeReport] {
        if !fresh, let cached = cache.withLock({ $0 }), cached.at.duration(to: .now) < refresh { return cached.nodes }
        do {
            let reports = try await registry.liveNodes()
            let nodes = Dictionary(reports.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
            cache.withLock { $0 = (ContinuousClock.now, nodes) }
            return nodes
        } catch {
            return cache.withLock { cached in
                guard let cached, cached.at.duration(to: .now) < registry.lifetime else { return [:] }
                return cached.nodes
            }
        }
    }

    /// Live node `name` in its run `instance` (any run when nil), if it can be reached.
    public func peer(_ name: String, instance: String? = nil) async -> (any ChatNodeAPI)? {
        guard let report = await liveNodes()[name], instance == nil || report.instance == nil || report.instance == instance else {
            return nil
        }
        return api(for: report)
    }

    /// Whether node `name`'s run `instance` is known to be gone: no longer registered, registered as
    /// another run, or its RPC port refuses connections.
    public func isKnownDead(_ name: String, instance: String?) async -> Bool {
        guard let report = await liveNodes(fresh: true)[name], instance == nil || report.instance == nil || report.instance == instance else {
            return true
        }
        if local.withLock({ $0[name] }) != nil { return false }
        return remote.withLock { $0[name] }.map { $0.client.isUnreachable } ?? false
    }

    /// The node of `report`, in this process or over RPC; nil if it has no RPC address.
    public func api(for report: ChatNodeReport) -> (any ChatNodeAPI)? {
        if let node = local.withLock({ $0[report.name] }) { return node }
        guard let address = report.rpcAddress else { return nil }
        return remote.withLock { remote in
            if let known = remote[report.name], known.address == address { return known.api }
            guard let client = RPCClient(address: address, security: security, timeout: .seconds(3), logger: logger) else { return nil }
            let entry = Remote(address: address, client: client, api: ChatNodeRPCClient(client: client))
            remote[report.name] = entry
            return entry.api
        }
    }
}
