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
        /// The message count and time the current rate is measured from.
        var sample: (at: ContinuousClock.Instant, messagesIn: Int64)
        var messagesPerSecond: Double = 0
    }

    private var nodes: [String: Registration] = [:]
    /// Nodes an operator drained, with the run (instance) that was drained: a restarted node is not.
    private var drained: [String: String?] = [:]
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
        let now = clock.now
        var report = report
        if let mark = drained[report.name] {
            if mark == report.instance { report.draining = true } else { drained[report.name] = nil }
        }
        guard var registration = nodes[report.name], registration.report.instance == report.instance else {
            logger.info("chat node registered", metadata: ["node": "\(report.name)", "address": "\(report.host):\(report.port)"])
            nodes[report.name] = Registration(report: report, renewedAt: now, sample: (now, report.messagesIn ?? 0))
            return
        }
        registration.report = report
        registration.renewedAt = now
        let elapsed = registration.sample.at.duration(to: now)
        if elapsed >= .seconds(1) {
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            registration.messagesPerSecond = Double(max(0, (report.messagesIn ?? 0) - registration.sample.messagesIn)) / seconds
            registration.sample = (now, report.messagesIn ?? 0)
        }
        nodes[report.name] = registration
    }

    public func setDraining(name: String, _ draining: Bool) throws(FluxError) -> ChatNodeReport {
        guard var registration = liveRegistrations().first(where: { $0.report.name == name }) else {
            throw FluxError(.invalidTarget, "no live chat node named \(name)")
        }
        drained[name] = draining ? .some(registration.report.instance) : nil
        registration.report.draining = draining
        nodes[name] = registration
        return described(registration)
    }

    public func removeChatNode(name: String) {
        if nodes.removeValue(forKey: name) != nil {
            logger.info("chat node removed", metadata: ["node": "\(name)"])
        }
    }

    public func liveChatNodes() -> [ChatNodeReport] {
        liveRegistrations().map(described).sorted { $0.name < $1.name }
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

    /// The report with what status adds for operators: renewal age and message rate.
    private func described(_ registration: Registration) -> ChatNodeReport {
        var report = registration.report
        let age = registration.renewedAt.duration(to: clock.now)
        report.renewedSecondsAgo = Double(age.components.seconds) + Double(age.components.attoseconds) / 1e18
        report.messagesPerSecond = registration.messagesPerSecond
        return report
    }

    private func liveRegistrations() -> [Registration] {
        let oldest = clock.now.advanced(by: .zero - configuration.nodeLifetime)
        return nodes.values.filter { $0.renewedAt > oldest }
    }
}
