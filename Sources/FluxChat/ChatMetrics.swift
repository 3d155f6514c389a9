import Foundation
import Metrics
import Synchronization

/// The chat node's Prometheus instruments (through swift-metrics), each labelled with the node name.
final class ChatMetrics: Sendable {
    let sessions: Gauge
    let connections: Gauge
    let messagesIn: Counter
    let messagesOut: Counter
    /// From the commit of a text to the write of its 1019 to the recipient's socket (live deliveries only).
    let deliveryLatency: Timer
    let queueDrops: Counter
    let remoteQueueDrops: Counter
    private let node: String
    /// Totals since start, reported to status for the cluster's message rate.
    let textsIn = Atomic<Int64>(0)
    let textsOut = Atomic<Int64>(0)

    init(node: String) {
        self.node = node
        let dimensions = [("node", node)]
        sessions = Gauge(label: "flux_chat_sessions", dimensions: dimensions)
        connections = Gauge(label: "flux_chat_connections", dimensions: dimensions)
        messagesIn = Counter(label: "flux_messages_in_total", dimensions: dimensions)
        messagesOut = Counter(label: "flux_messages_out_total", dimensions: dimensions)
        deliveryLatency = Timer(label: "flux_delivery_seconds", dimensions: dimensions, preferredDisplayUnit: .seconds)
        queueDrops = Counter(label: "flux_chat_queue_drops_total", dimensions: [("node", node), ("queue", "session")])
        remoteQueueDrops = Counter(label: "flux_chat_queue_drops_total", dimensions: [("node", node), ("queue", "remote")])
    }

    /// Counts texts stored from this node's clients.
    func received(_ count: Int) {
        messagesIn.increment(by: count)
        textsIn.add(Int64(count), ordering: .relaxed)
    }

    /// Counts one chat login by its outcome (`0` for success, else the error code).
    func login(result: Int) {
        Counter(label: "flux_chat_logins_total", dimensions: [("node", node), ("result", "\(result)")]).increment()
    }

    /// Wall-clock nanoseconds now: the delivery latency spans nodes, so it cannot use a monotonic clock.
    static func wallClockNanos() -> UInt64 {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return UInt64(now.tv_sec) * 1_000_000_000 + UInt64(now.tv_nsec)
    }

    /// Records the delivery of a text committed at `committedAt` (wall-clock nanoseconds).
    func delivered(committedAt: UInt64?) {
        messagesOut.increment()
        textsOut.add(1, ordering: .relaxed)
        guard let committedAt else { return }
        let now = Self.wallClockNanos()
        if now >= committedAt { deliveryLatency.recordNanoseconds(Int64(now - committedAt)) }
    }
}
