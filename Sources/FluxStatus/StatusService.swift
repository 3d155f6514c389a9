import FluxCrypto
import FluxKV
import FluxProtocol
import FluxRPC
import Logging

/// The status role: keeps the chat nodes that renew themselves, hands out the least-loaded live one and
/// stores a fresh random login token as `utoken_<uid>` with an expiry.
public actor StatusService: StatusAPI {
    private struct Registration {
        var report: ChatNodeReport
        var renewedAt: ContinuousClock.Instant
    }

    private var nodes: [String: Registration] = [:]
    private let kv: any KeyValueStore
    private let configuration: StatusConfiguration
    private let logger: Logger
    private let clock = ContinuousClock()

    public init(kv: any KeyValueStore, configuration: StatusConfiguration, logger: Logger) {
        self.kv = kv
        self.configuration = configuration
        self.logger = logger
    }

    public func reportChatNode(_ report: ChatNodeReport) {
        if nodes[report.name] == nil {
            logger.info("chat node registered", metadata: ["node": "\(report.name)", "address": "\(report.host):\(report.port)"])
        }
        nodes[report.name] = Registration(report: report, renewedAt: clock.now)
    }

    public func removeChatNode(name: String) {
        if nodes.removeValue(forKey: name) != nil {
            logger.info("chat node removed", metadata: ["node": "\(name)"])
        }
    }

    public func liveChatNodes() -> [ChatNodeReport] {
        liveRegistrations().map(\.report).sorted { $0.name < $1.name }
    }

    public func assignChatNode(uid: Int64) async throws(FluxError) -> ChatAssignment {
        guard let node = Self.leastLoaded(liveRegistrations().map(\.report)) else {
            throw FluxError(.rpcFailed, "no live chat node")
        }
        let token = SecureRandom.token()
        do {
            try await kv.set(KeyNames.token(uid), token, ttl: configuration.tokenLifetime)
        } catch {
            logger.error("status: token not stored", metadata: ["uid": "\(uid)", "error": "\(error)"])
            throw FluxError(.rpcFailed, "token could not be stored: \(error)")
        }
        // Count the assignment at once so a burst of logins spreads before the next renewal.
        nodes[node.name]?.report.sessions += 1
        return ChatAssignment(node: node.name, host: node.host, port: node.port, token: token)
    }

    /// The node with the lowest `load` (session share, CPU and memory use), ties broken by
    /// name; draining nodes and full nodes are skipped.
    static func leastLoaded(_ reports: [ChatNodeReport]) -> ChatNodeReport? {
        reports
            .filter { !$0.draining && $0.sessions < max($0.capacity, 1) }
            .min { a, b in a.load == b.load ? a.name < b.name : a.load < b.load }
    }

    private func liveRegistrations() -> [Registration] {
        let oldest = clock.now.advanced(by: .zero - configuration.nodeLifetime)
        return nodes.values.filter { $0.renewedAt > oldest }
    }
}
