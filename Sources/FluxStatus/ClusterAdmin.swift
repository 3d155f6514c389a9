import FluxCluster
import FluxContracts
import FluxKV
import FluxProtocol
import Logging

/// The operator's view of a running cluster (`AdminAPI`), next to the status role: status knows the live
/// chat nodes, and the node directory reaches each one in-process or over its RPC address.
public final class ClusterAdmin: AdminAPI {
    private let status: any StatusAPI
    private let nodes: NodeDirectory
    private let presence: PresenceDirectory
    private let tokens: TokenStore
    private let profiles: SharedProfileCache
    private let logger: Logger

    public init(status: any StatusAPI, nodes: NodeDirectory, kv: any KeyValueStore, logger: Logger) {
        self.status = status
        self.nodes = nodes
        self.presence = PresenceDirectory(kv: kv)
        self.tokens = TokenStore(kv: kv)
        self.profiles = SharedProfileCache(kv: kv)
        self.logger = logger
    }

    public func nodes() async throws(FluxError) -> [ChatNodeReport] {
        try await status.liveChatNodes()
    }

    public func drain(node name: String, draining: Bool, graceSeconds: Double) async throws(FluxError) -> DrainResult {
        guard graceSeconds >= 0, graceSeconds <= 3600 else { throw FluxError(.badJSON, "grace must be 0…3600 seconds") }
        // Status first, so the reconnect assignments the node hands out already avoid it.
        let report = try await status.setDraining(name: name, draining)
        guard let node = nodes.api(for: report) else {
            throw FluxError(.rpcFailed, "node \(name) has no RPC address to reach it")
        }
        let told = try await node.setDraining(draining, graceSeconds: graceSeconds)
        logger.notice(draining ? "node draining" : "node undrained", metadata: ["node": "\(name)", "told": "\(told)"])
        return DrainResult(node: report, told: told)
    }

    public func sessions(node: String?) async throws(FluxError) -> [SessionSummary] {
        let reports = try await status.liveChatNodes().filter { node == nil || $0.name == node }
        if let node, reports.isEmpty { throw FluxError(.invalidTarget, "no live chat node named \(node)") }
        var all: [SessionSummary] = []
        for report in reports {
            guard let api = nodes.api(for: report) else { continue }
            do {
                all += try await api.sessions()
            } catch {
                logger.warning("sessions of a node not listed", metadata: ["node": "\(report.name)", "error": "\(error)"])
            }
        }
        return all.sorted { ($0.node, $0.uid) < ($1.node, $1.uid) }
    }

    public func kick(uid: Int64) async throws(FluxError) -> SessionSummary? {
        let entry: PresenceEntry?
        do {
            entry = try await presence.entry(of: uid)
        } catch {
            throw FluxError(.rpcFailed, "shared state unavailable: \(error)")
        }
        guard let entry, let api = await nodes.peer(entry.node, instance: entry.instance) else { return nil }
        let session = try await api.sessions().first { $0.uid == uid && $0.session == entry.value }
        guard session != nil else { return nil }
        try await api.kick(uid: uid, session: entry.value)
        logger.notice("session kicked by an operator", metadata: ["uid": "\(uid)", "node": "\(entry.node)"])
        return session
    }

    public func forget(uid: Int64) async throws(FluxError) -> Bool {
        let kicked = try await kick(uid: uid)
        try await tokens.revoke(uid: uid)
        do {
            try await profiles.invalidate(uid)
        } catch {
            throw FluxError(.rpcFailed, "shared state unavailable: \(error)")
        }
        return kicked != nil
    }
}
