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
    private enum Batch: Sendable {
        case texts([StoredMessage], committedAt: UInt64)
        /// Group texts, each with the members not on this node.
        case groups([(text: GroupDelivery, members: [Int64])])
    }

    private let continuation: AsyncStream<Batch>.Continuation
    private let task: Task<Void, Never>

    init(nodeName: String, presence: PresenceDirectory, nodes: NodeDirectory, queue: RemoteDeliveryQueue, logger: Logger,
        limit: Int = 4096, onDrop: @escaping @Sendable () -> Void = {}) {
        let (stream, continuation) = AsyncStream.makeStream(of: Batch.self, bufferingPolicy: .bufferingOldest(limit))
        self.continuation = continuation
        self.task = Task {
            for await batch in stream {
                switch batch {
                case .texts(let messages, let committedAt):
                    await Self.route(messages, committedAt: committedAt, nodeName: nodeName, presence: presence, nodes: nodes, queue: queue, logger: logger)
                case .groups(let texts):
                    await Self.route(groups: texts, nodeName: nodeName, presence: presence, nodes: nodes, queue: queue, logger: logger)
                }
            }
        }
        self.onDrop = onDrop
    }

    private let onDrop: @Sendable () -> Void

    /// Queues `messages` (recipients not on this node) behind the batches before them.
    func route(_ messages: [StoredMessage], committedAt: UInt64) {
        if case .dropped = continuation.yield(.texts(messages, committedAt: committedAt)) { onDrop() }
    }

    /// Queues group texts for their members not on this node (`text.uids` is ignored: the members are
    /// located here, one multi-key presence lookup for the batch).
    func route(groups texts: [(text: GroupDelivery, members: [Int64])]) {
        if case .dropped = continuation.yield(.groups(texts)) { onDrop() }
    }

    func close() {
        continuation.finish()
    }

    private static func route(
        _ messages: [StoredMessage], committedAt: UInt64, nodeName: String, presence: PresenceDirectory, nodes: NodeDirectory,
        queue: RemoteDeliveryQueue, logger: Logger
    ) async {
        let entries: [Int64: PresenceEntry]
        do {
            entries = try await presence.entries(of: Array(Set(messages.map(\.toUID))))
        } catch {
            logger.warning("presence lookup failed; texts wait for the recipients' nodes to re-send them",
                metadata: ["count": "\(messages.count)", "error": "\(error)"])
            return
        }
        var byNode: [String: (api: any ChatNodeAPI, deliveries: [NodeDelivery])] = [:]
        var order: [String] = []
        var unreachable: Set<String> = []
        for message in messages {
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
                uid: message.toUID, frameID: frame.id.rawValue, body: frame.bodyText, messageID: message.id, committedAt: committedAt))
        }
        for key in order {
            guard let (api, deliveries) = byNode[key], !deliveries.isEmpty else { continue }
            queue.enqueue(deliveries, to: String(key[..<(key.firstIndex(of: "#") ?? key.endIndex)]), via: api)
        }
    }

    /// Per group text, its members' nodes (one presence lookup for the batch); per node one call with
    /// every text for members there, each text once with the uids it is for. A member left out (KV down,
    /// node unreachable) catches up from the store: at the next login, or by the fault sweep.
    private static func route(
        groups texts: [(text: GroupDelivery, members: [Int64])], nodeName: String, presence: PresenceDirectory,
        nodes: NodeDirectory, queue: RemoteDeliveryQueue, logger: Logger
    ) async {
        let entries: [Int64: PresenceEntry]
        do {
            entries = try await presence.entries(of: Array(Set(texts.flatMap(\.members))))
        } catch {
            logger.warning("presence lookup failed; group texts wait for the members' catch-up",
                metadata: ["count": "\(texts.count)", "error": "\(error)"])
            return
        }
        var byNode: [String: (api: any ChatNodeAPI, deliveries: [GroupDelivery])] = [:]
        var order: [String] = []
        var unreachable: Set<String> = []
        for (text, members) in texts {
            var here: [String: [Int64]] = [:]
            for uid in members {
                guard let entry = entries[uid], entry.node != nodeName else { continue }
                here[entry.node + "#" + entry.instance, default: []].append(uid)
            }
            for (key, uids) in here.sorted(by: { $0.key < $1.key }) where !unreachable.contains(key) {
                if byNode[key] == nil {
                    let parts = key.split(separator: "#", maxSplits: 1).map(String.init)
                    guard let api = await nodes.peer(parts[0], instance: parts.count > 1 ? parts[1] : nil) else {
                        unreachable.insert(key)
                        continue
                    }
                    byNode[key] = (api, [])
                    order.append(key)
                }
                var delivery = text
                delivery.uids = uids
                byNode[key]!.deliveries.append(delivery)
            }
        }
        for key in order {
            guard let (api, deliveries) = byNode[key], !deliveries.isEmpty else { continue }
            queue.enqueue(groups: deliveries, to: String(key[..<(key.firstIndex(of: "#") ?? key.endIndex)]), via: api)
        }
    }
}
