import FluxCluster
import FluxContracts
import FluxProtocol
import FluxStore
import Logging

/// Routes committed texts whose recipients are not on this node: one presence lookup for the whole batch
/// (a multi-key get: Redis `MGET`), then one queued delivery per peer node (`RemoteDeliveryQueue`).
///
/// It runs apart from the commit loop, batch after batch in commit order (one task), so a slow KV or
/// peer delays only notices to other nodes, never the next commit or this node's own users. A batch
/// that cannot be routed (KV down, queue full) loses nothing: its texts stay undelivered in the store,
/// and the recipient's node re-sends them from its fault sweep or at the next login.
final class RemoteRouter: Sendable {
    private struct Batch: Sendable {
        var messages: [StoredMessage]
        var committedAt: UInt64
    }

    private let continuation: AsyncStream<Batch>.Continuation
    private let task: Task<Void, Never>

    init(nodeName: String, presence: PresenceDirectory, nodes: NodeDirectory, queue: RemoteDeliveryQueue, logger: Logger,
        limit: Int = 4096, onDrop: @escaping @Sendable () -> Void = {}) {
        let (stream, continuation) = AsyncStream.makeStream(of: Batch.self, bufferingPolicy: .bufferingOldest(limit))
        self.continuation = continuation
        self.task = Task {
            for await batch in stream {
                await Self.route(batch, nodeName: nodeName, presence: presence, nodes: nodes, queue: queue, logger: logger)
            }
        }
        self.onDrop = onDrop
    }

    private let onDrop: @Sendable () -> Void

    /// Queues `messages` (recipients not on this node) behind the batches before them.
    func route(_ messages: [StoredMessage], committedAt: UInt64) {
        if case .dropped = continuation.yield(Batch(messages: messages, committedAt: committedAt)) { onDrop() }
    }

    func close() {
        continuation.finish()
    }

    private static func route(
        _ batch: Batch, nodeName: String, presence: PresenceDirectory, nodes: NodeDirectory, queue: RemoteDeliveryQueue, logger: Logger
    ) async {
        let entries: [Int64: PresenceEntry]
        do {
            entries = try await presence.entries(of: Array(Set(batch.messages.map(\.toUID))))
        } catch {
            logger.warning("presence lookup failed; texts wait for the recipients' nodes to re-send them",
                metadata: ["count": "\(batch.messages.count)", "error": "\(error)"])
            return
        }
        var byNode: [String: (api: any ChatNodeAPI, deliveries: [NodeDelivery])] = [:]
        var order: [String] = []
        var unreachable: Set<String> = []
        for message in batch.messages {
            // An entry naming this node without a local session is stale: that user is offline.
            guard let entry = entries[message.toUID], entry.node != nodeName else { continue }
            let key = entry.node + "#" + entry.instance
            guard !unreachable.contains(key) else { continue }
            if byNode[key] == nil {
                guard let api = await nodes.peer(entry.node, instance: entry.instance) else {
                    unreachable.insert(key)
                    continue
                }
                byNode[key] = (api, [])
                order.append(key)
            }
            guard let frame = try? ChatService.textNotice(message) else { continue }
            byNode[key]!.deliveries.append(NodeDelivery(
                uid: message.toUID, frameID: frame.id.rawValue, body: frame.bodyText, messageID: message.id, committedAt: batch.committedAt))
        }
        for key in order {
            guard let (api, deliveries) = byNode[key], !deliveries.isEmpty else { continue }
            queue.enqueue(deliveries, to: String(key[..<(key.firstIndex(of: "#") ?? key.endIndex)]), via: api)
        }
    }
}
