import FluxKV
import FluxProtocol
import FluxRPC
import Logging
import Synchronization

/// The operator's view of a running cluster (`AdminAPI`), next to the status role: status knows the live
/// chat nodes, and each node is reached in-process or over its RPC address.
public final class ClusterAdmin: AdminAPI {
    private let status: any StatusAPI
    private let kv: any KeyValueStore
    private let logger: Logger
    private let local = Mutex<[String: any ChatNodeAPI]>([:])
    private let remote = Mutex<[String: ChatNodeRPCClient]>([:])

    public init(status: any StatusAPI, kv: any KeyValueStore, logger: Logger) {
        self.status = status
        self.kv = kv
        self.logger = logger
    }

    /// A chat node running in this process, reached without RPC.
    public func addLocalNode(name: String, _ node: any ChatNodeAPI) {
        local.withLock { $0[name] = node }
    }

    public func nodes() async throws(FluxError) -> [ChatNodeReport] {
        try await status.liveChatNodes()
    }

    public func drain(node name: String, draining: Bool, graceSeconds: Double) async throws(FluxError) -> DrainResult {
        guard graceSeconds >= 0, graceSeconds <= 3600 else { throw FluxError(.badJSON, "grace must be 0…3600 seconds") }
        // Status first, so the reconnect assignments the node hands out already avoid it.
        let report = try await status.setDraining(name: name, draining)
        guard let node = api(for: report) else {
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
            guard let api = api(for: report) else { continue }
            do {
                all += try await api.sessions()
            } catch {
                logger.warning("sessions of a node not listed", metadata: ["node": "\(report.name)", "error": "\(error)"])
            }
        }
        return all.sorted { ($0.node, $0.uid) < ($1.node, $1.uid) }
    }

    public func kick(uid: Int64) async throws(FluxError) -> SessionSummary? {
        guard let presence = try await presence(of: uid) else { return nil }
        let nodeName = String(presence.split(separator: "#", omittingEmptySubsequences: false).first ?? "")
        guard let report = try await status.liveChatNodes().first(where: { $0.name == nodeName }), let api = api(for: report) else {
            return nil
        }
        let session = try await api.sessions().first { $0.uid == uid && $0.session == presence }
        guard session != nil else { return nil }
        try await api.kick(uid: uid, session: presence)
        logger.notice("session kicked by an operator", metadata: ["uid": "\(uid)", "node": "\(nodeName)"])
        return session
    }

    public func forget(uid: Int64) async throws(FluxError) -> Bool {
        let kicked = try await kick(uid: uid)
        do {
            try await kv.delete(KeyNames.token(uid))
            try await kv.delete(KeyNames.profile(uid))
        } catch {
            throw FluxError(.rpcFailed, "shared state unavailable: \(error)")
        }
        return kicked != nil
    }

    private func presence(of uid: Int64) async throws(FluxError) -> String? {
        do {
            return try await kv.get(KeyNames.presence(uid))
        } catch {
            throw FluxError(.rpcFailed, "shared state unavailable: \(error)")
        }
    }

    /// The node in this process by name, else an RPC client for its advertised address.
    private func api(for report: ChatNodeReport) -> (any ChatNodeAPI)? {
        if let node = local.withLock({ $0[report.name] }) { return node }
        guard let address = report.rpcAddress, let colon = address.lastIndex(of: ":"),
            let port = Int(address[address.index(after: colon)...])
        else { return nil }
        return remote.withLock { clients in
            if let known = clients[address] { return known }
            let client = ChatNodeRPCClient(client: RPCClient(host: String(address[..<colon]), port: port, timeout: .seconds(5), logger: logger))
            clients[address] = client
            return client
        }
    }
}
