import FluxContracts
import FluxKV
import Foundation

/// The chat-node registry in the shared KV, so any number of status processes give the same answers.
///
/// One hash (`nodes`) holds every node's registration (`node:<name>` → `NodeRecord` JSON with the
/// wall-clock time of its last renewal), drain marks (`drain:<name>` → the drained run) and health marks
/// (`down:<name>` → until when the probe found it unreachable), so listing the cluster is one round trip.
/// A registration older than `lifetime` is not live; one much older is removed by the next reader.
/// Renewal ages compare wall clocks of different hosts: keep them synchronised (NTP).
public struct NodeRegistry: Sendable {
    private let kv: any KeyValueStore
    /// A node that has not renewed for this long is no longer live.
    public let lifetime: Duration
    private let now: @Sendable () -> Int64

    /// `now` gives wall-clock milliseconds (injected by tests).
    public init(kv: any KeyValueStore, lifetime: Duration, now: @escaping @Sendable () -> Int64 = NodeRegistry.wallClockMilliseconds) {
        self.kv = kv
        self.lifetime = lifetime
        self.now = now
    }

    /// Wall-clock milliseconds since 1970.
    public static func wallClockMilliseconds() -> Int64 { Int64(Date().timeIntervalSince1970 * 1000) }

    private struct NodeRecord: Codable {
        var report: ChatNodeReport
        var renewedAt: Int64
        /// When the registration stops being live unless renewed (set by the status that renewed it, so
        /// readers need not share its configuration).
        var expiresAt: Int64?
        /// The message count and time the current rate is measured from.
        var sampleAt: Int64
        var sampleMessagesIn: Int64
        var messagesPerSecond: Double

        func expiry(default lifetime: Int64) -> Int64 { expiresAt ?? renewedAt + lifetime }
    }

    private var lifetimeMilliseconds: Int64 {
        lifetime.components.seconds * 1000 + lifetime.components.attoseconds / 1_000_000_000_000_000
    }

    /// Registers or renews `report`; returns true when the node was not live before (new, restarted as a
    /// new run, or expired) so the caller can log it.
    @discardableResult
    public func renew(_ report: ChatNodeReport) async throws(KVError) -> Bool {
        let at = now()
        let field = "node:\(report.name)"
        let previous = try await kv.hashGet(KeyNames.nodeIndex, field: field).flatMap(Self.decode)
        var record = NodeRecord(
            report: report, renewedAt: at, expiresAt: at + lifetimeMilliseconds, sampleAt: at, sampleMessagesIn: report.messagesIn ?? 0,
            messagesPerSecond: 0)
        let fresh = previous.map { $0.report.instance != report.instance || at > $0.expiry(default: lifetimeMilliseconds) } ?? true
        if let previous, !fresh {
            record.sampleAt = previous.sampleAt
            record.sampleMessagesIn = previous.sampleMessagesIn
            record.messagesPerSecond = previous.messagesPerSecond
            if at - previous.sampleAt >= 1000 {
                let count = max(0, (report.messagesIn ?? 0) - previous.sampleMessagesIn)
                record.messagesPerSecond = Double(count) / (Double(at - previous.sampleAt) / 1000)
                record.sampleAt = at
                record.sampleMessagesIn = report.messagesIn ?? 0
            }
        }
        let json = (try? JSONEncoder().encode(record)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
        try await kv.hashSet(KeyNames.nodeIndex, field: field, value: json)
        return fresh
    }

    /// Removes node `name` at once (graceful shutdown); returns whether it was registered.
    @discardableResult
    public func remove(name: String) async throws(KVError) -> Bool {
        try await kv.hashDelete(KeyNames.nodeIndex, field: "node:\(name)")
    }

    /// The live nodes, by name, with their renewal age, message rate, drain and health marks.
    public func liveNodes() async throws(KVError) -> [ChatNodeReport] {
        let fields = try await kv.hashGetAll(KeyNames.nodeIndex)
        let at = now()
        var reports: [ChatNodeReport] = []
        for (field, value) in fields where field.hasPrefix("node:") {
            let name = String(field.dropFirst(5))
            guard let record = Self.decode(value) else { continue }
            let age = at - record.renewedAt
            let expiry = record.expiry(default: lifetimeMilliseconds)
            guard at <= expiry else {
                // Long gone: tidy up (a node that comes back simply registers again).
                if age > 10 * max(1000, expiry - record.renewedAt) { _ = try? await kv.hashDelete(KeyNames.nodeIndex, field: field) }
                continue
            }
            var report = record.report
            if let instance = fields["drain:\(name)"], instance == (report.instance ?? "") { report.draining = true }
            if let until = fields["down:\(name)"].flatMap(Int64.init), until > at { report.reachable = false } else { report.reachable = true }
            report.renewedSecondsAgo = Double(max(0, age)) / 1000
            report.messagesPerSecond = record.messagesPerSecond
            reports.append(report)
        }
        return reports.sorted { $0.name < $1.name }
    }

    /// Marks run `instance` of node `name` drained (never assigned until undrained or restarted as a new
    /// run), or clears the mark with nil.
    public func setDrained(name: String, instance: String?) async throws(KVError) {
        if let instance {
            try await kv.hashSet(KeyNames.nodeIndex, field: "drain:\(name)", value: instance)
        } else {
            try await kv.hashDelete(KeyNames.nodeIndex, field: "drain:\(name)")
        }
    }

    /// Records that node `name` could not be reached on its client port, for `duration` from now; nil
    /// clears the mark (it answered again).
    public func setUnreachable(name: String, for duration: Duration?) async throws(KVError) {
        if let duration {
            let until = now() + duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000
            try await kv.hashSet(KeyNames.nodeIndex, field: "down:\(name)", value: String(until))
        } else {
            try await kv.hashDelete(KeyNames.nodeIndex, field: "down:\(name)")
        }
    }

    private static func decode(_ json: String) -> NodeRecord? {
        try? JSONDecoder().decode(NodeRecord.self, from: Data(json.utf8))
    }
}
