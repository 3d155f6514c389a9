import FluxKV
import Foundation

/// Fixed-window rate limits kept in the shared KV, so they hold across nodes: each use is counted first
/// (`INCRBY`, atomic), then admitted if the count stays within the limit.
public struct RateLimiter: Sendable {
    private let kv: any KeyValueStore
    private let now: @Sendable () -> Double

    /// `now` gives wall-clock seconds (injected by tests; windows must agree across hosts).
    public init(kv: any KeyValueStore, now: @escaping @Sendable () -> Double = { Date().timeIntervalSince1970 }) {
        self.kv = kv
        self.now = now
    }

    /// Counts `cost` uses of `name` by `subject` in the current window of `window`; returns whether they
    /// stay within `limit`. When the KV cannot be reached the use is admitted (these limits protect the
    /// service; failing closed would turn a Redis outage into a chat outage).
    public func admit(_ name: String, subject: String, cost: Int = 1, limit: Int, per window: Duration) async -> Bool {
        let seconds = max(0.001, Double(window.components.seconds) + Double(window.components.attoseconds) / 1e18)
        let index = Int64(now() / seconds)
        let key = "rate_\(name)_\(subject)_\(index)"
        guard let count = try? await kv.increment(key, by: Int64(cost), ttlIfCreated: window * 2) else { return true }
        return count <= Int64(limit)
    }
}
