import FluxProtocol
import FluxContracts
import Logging
import Synchronization

/// One ordered, bounded queue per peer node, drained by its own task: a slow or hung node delays only
/// its own users' notices, never the store's commits or the other nodes.
///
/// Dropping is safe: a text is marked delivered only by the node that wrote it to its recipient, so a
/// dropped or failed delivery leaves it for the recipient's next login.
final class RemoteDeliveryQueue: Sendable {
    private struct Lane {
        var continuation: AsyncStream<Parcel>.Continuation
        var task: Task<Void, Never>
    }

    /// One call to the peer: private texts or group texts.
    private struct Parcel: Sendable {
        var count: Int
        var send: @Sendable () async throws(FluxError) -> Void
    }

    private let lanes = Mutex<[String: Lane]>([:])
    private let logger: Logger
    private let limit: Int
    private let onDrop: @Sendable () -> Void

    init(logger: Logger, limit: Int = 1024, onDrop: @escaping @Sendable () -> Void = {}) {
        self.onDrop = onDrop
        self.logger = logger
        self.limit = limit
    }

    /// Queues `deliveries` for `node` behind what is already queued for it.
    func enqueue(_ deliveries: [NodeDelivery], to node: String, via api: any ChatNodeAPI) {
        enqueue(Parcel(count: deliveries.count) { () async throws(FluxError) in try await api.deliver(deliveries) }, to: node)
    }

    /// Queues group texts for their members on `node`, behind what is already queued for it.
    func enqueue(groups deliveries: [GroupDelivery], to node: String, via api: any ChatNodeAPI) {
        enqueue(Parcel(count: deliveries.count) { () async throws(FluxError) in try await api.deliverGroup(deliveries) }, to: node)
    }

    private func enqueue(_ parcel: Parcel, to node: String) {
        let logger = self.logger
        let result = lanes.withLock { lanes -> AsyncStream<Parcel>.Continuation.YieldResult in
            if let lane = lanes[node] { return lane.continuation.yield(parcel) }
            let (stream, continuation) = AsyncStream.makeStream(of: Parcel.self, bufferingPolicy: .bufferingOldest(limit))
            let task = Task {
                for await batch in stream {
                    do {
                        try await batch.send()
                    } catch {
                        logger.warning("deliveries to another node failed; they wait for the next login",
                            metadata: ["node": "\(node)", "count": "\(batch.count)", "error": "\(error)"])
                    }
                }
            }
            lanes[node] = Lane(continuation: continuation, task: task)
            return continuation.yield(parcel)
        }
        if case .dropped = result {
            onDrop()
            logger.warning("delivery queue to another node is full; texts wait for the next login", metadata: ["node": "\(node)"])
        }
    }

    /// Stops every lane (shutdown).
    func close() {
        let all = lanes.withLock { lanes -> [Lane] in
            defer { lanes.removeAll() }
            return Array(lanes.values)
        }
        for lane in all { lane.continuation.finish() }
    }
}
