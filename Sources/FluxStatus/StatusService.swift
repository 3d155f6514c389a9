import FluxCluster
import FluxContracts
import FluxKV
import FluxProtocol
import Logging

/// The status role: hands out the least-loaded live chat node with a fresh login token. The node
/// registry lives in the shared KV (`NodeRegistry`), so any number of status processes give the same
/// answers and none of them is a single point of failure.
public actor StatusService: StatusAPI {
    private let registry: NodeRegistry
    private let tokens: TokenStore
    private let logger: Logger
    /// Assignments made here since each node's last renewal (by renewal time), so a burst of logins
    /// spreads over the nodes before their next report.
    private var assignedSinceRenewal: [String: (renewedSecondsAgo: Double, count: Int)] = [:]

    /// `now` gives wall-clock milliseconds (injected by tests).
    public init(
        kv: any KeyValueStore, configuration: StatusConfiguration, logger: Logger,
        now: @escaping @Sendable () -> Int64 = NodeRegistry.wallClockMilliseconds
    ) {
        self.registry = NodeRegistry(kv: kv, lifetime: configuration.nodeLifetime, now: now)
        self.tokens = TokenStore(kv: kv, lifetime: configuration.tokenLifetime)
        self.logger = logger
    }

    public func reportChatNode(_ report: ChatNodeReport) async throws(FluxError) {
        do {
            if try await registry.renew(report) {
                logger.info("chat node registered", metadata: ["node": "\(report.name)", "address": "\(report.host):\(report.port)"])
            }
        } catch {
            throw FluxError(.rpcFailed, "node registry unavailable: \(error)")
        }
        assignedSinceRenewal[report.name] = nil
    }

    public func setDraining(name: String, _ draining: Bool) async throws(FluxError) -> ChatNodeReport {
        guard var report = try await liveChatNodes().first(where: { $0.name == name }) else {
            throw FluxError(.invalidTarget, "no live chat node named \(name)")
        }
        do {
            try await registry.setDrained(name: name, instance: draining ? (report.instance ?? "") : nil)
        } catch {
            throw FluxError(.rpcFailed, "node registry unavailable: \(error)")
        }
        report.draining = draining
        return report
    }

    public func removeChatNode(name: String) async throws(FluxError) {
        do {
            if try await registry.remove(name: name) { logger.info("chat node removed", metadata: ["node": "\(name)"]) }
        } catch {
            throw FluxError(.rpcFailed, "node registry unavailable: \(error)")
        }
    }

    public func liveChatNodes() async throws(FluxError) -> [ChatNodeReport] {
        do {
            return try await registry.liveNodes()
        } catch {
            throw FluxError(.rpcFailed, "node registry unavailable: \(error)")
        }
    }

    public func assignChatNode(uid: Int64) async throws(FluxError) -> ChatAssignment {
        var reports = try await liveChatNodes()
        for index in reports.indices {
            guard let extra = assignedSinceRenewal[reports[index].name] else { continue }
            // Only while the report is the one the extra assignments were counted against.
            if let age = reports[index].renewedSecondsAgo, age >= extra.renewedSecondsAgo - 0.001 {
                reports[index].sessions += extra.count
            }
        }
        guard let node = Self.leastLoaded(reports) else {
            throw FluxError(.rpcFailed, "no live chat node")
        }
        let token: String
        do {
            token = try await tokens.issue(uid: uid)
        } catch {
            logger.error("status: token not stored", metadata: ["uid": "\(uid)", "error": "\(error)"])
            throw error
        }
        let age = node.renewedSecondsAgo ?? 0
        let earlier = assignedSinceRenewal[node.name].flatMap { age >= $0.renewedSecondsAgo - 0.001 ? $0.count : nil } ?? 0
        assignedSinceRenewal[node.name] = (age, earlier + 1)
        return ChatAssignment(node: node.name, host: node.host, port: node.port, token: token, ws: node.ws)
    }

    /// The assignable node with the lowest `load` (session share, CPU and memory use), ties broken by
    /// name; draining, full and unreachable nodes are skipped. The probe's unreachable mark is a
    /// preference, not a verdict: when it is on every node otherwise assignable, those are still handed
    /// out (a probe that timed out on a loaded host must not refuse every login with 1002; a node that
    /// really died drops out when its registration expires).
    static func leastLoaded(_ reports: [ChatNodeReport]) -> ChatNodeReport? {
        let open = reports.filter { !$0.draining && $0.sessions < max($0.capacity, 1) }
        let reachable = open.filter { $0.reachable != false }
        return (reachable.isEmpty ? open : reachable)
            .min { a, b in a.load == b.load ? a.name < b.name : a.load < b.load }
    }
}
