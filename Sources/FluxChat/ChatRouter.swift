import FluxCluster
import FluxContracts
import FluxKV
import FluxProtocol
import FluxStore
import Logging

/// Where each user is — on this node, on another live node, or offline — and how frames reach them.
///
/// The presence directory holds each user's `PresenceEntry` (`node#instance#session`), where `instance` is
/// new at every start of the node. An entry naming a node that is not live, or an earlier run of it, is
/// not trusted: that user counts as offline and their texts wait in the store.
final class ChatRouter: Sendable {
    enum Location {
        case local(ChatSession)
        case remote(node: String, any ChatNodeAPI)
        case offline
    }

    let nodeName: String
    /// Unique to this run of the node, so presence written before a crash and restart is not trusted.
    let instance = SecureRandomID.make()
    let presence: PresenceDirectory
    let nodes: NodeDirectory
    private let lock: LoginLock
    private let registry: SessionRegistry
    private let logger: Logger
    private let remote: RemoteDeliveryQueue
    private let remoteRouter: RemoteRouter

    init(nodeName: String, kv: any KeyValueStore, nodes: NodeDirectory, registry: SessionRegistry, metrics: ChatMetrics, logger: Logger) {
        self.nodeName = nodeName
        self.presence = PresenceDirectory(kv: kv)
        self.lock = LoginLock(kv: kv)
        self.nodes = nodes
        self.registry = registry
        self.logger = logger
        let remote = RemoteDeliveryQueue(logger: logger, onDrop: { metrics.remoteQueueDrops.increment() })
        self.remote = remote
        self.remoteRouter = RemoteRouter(
            nodeName: nodeName, presence: presence, nodes: nodes, queue: remote, logger: logger,
            onDrop: { metrics.remoteQueueDrops.increment() })
    }

    /// The presence entry of `session` on this node.
    func presenceEntry(_ session: ChatSession) -> PresenceEntry {
        PresenceEntry(node: nodeName, instance: instance, session: "\(session.id)")
    }

    /// The stored form of `session`'s presence entry.
    func presenceValue(_ session: ChatSession) -> String { presenceEntry(session).value }

    func locate(_ uid: Int64) async -> Location {
        if let session = registry.session(for: uid) { return .local(session) }
        guard let entry = try? await presence.entry(of: uid) else { return .offline }
        guard entry.node != nodeName, let api = await nodes.peer(entry.node, instance: entry.instance) else { return .offline }
        return .remote(node: entry.node, api)
    }

    func isOnline(_ uid: Int64) async -> Bool {
        if case .offline = await locate(uid) { return false }
        return true
    }

    /// Sends one frame to `uid` wherever they are; nothing if offline.
    func send(_ frame: ChatFrame, to uid: Int64) async {
        switch await locate(uid) {
        case .local(let session):
            session.send(frame)
        case .remote(let node, let api):
            do {
                try await api.deliver([NodeDelivery(uid: uid, frameID: frame.id.rawValue, body: frame.bodyText)])
            } catch {
                logger.warning("notice to another node failed", metadata: ["uid": "\(uid)", "node": "\(node)", "error": "\(error)"])
            }
        case .offline:
            break
        }
    }

    /// Delivers newly stored texts in id order: to sessions on this node at once; the rest go to the
    /// `RemoteRouter` (one presence lookup per batch, one call per peer node), which works apart from the
    /// commit loop. A node that cannot be reached loses nothing: the texts stay undelivered for the next login.
    func deliver(_ messages: [StoredMessage]) {
        let committedAt = ChatMetrics.wallClockNanos()
        let here = registry.sessions(for: Set(messages.map(\.toUID)))
        var away: [StoredMessage] = []
        for message in messages {
            guard let session = here[message.toUID] else {
                away.append(message)
                continue
            }
            guard let frame = try? ChatService.textNotice(message) else { continue }
            session.deliverLive(frame, messageID: message.id, uid: message.toUID, committedAt: committedAt)
        }
        if !away.isEmpty { remoteRouter.route(away, committedAt: committedAt) }
    }

    /// Delivers newly stored group texts: to the members' sessions on this node at once (a session
    /// missing an earlier text is handed to `catchUp`), the rest to the `RemoteRouter` (one presence
    /// lookup per batch, one call per peer node with each text once).
    func deliverGroups(_ texts: [StoredGroupMessage], catchUp: GroupCatchUp) {
        let committedAt = ChatMetrics.wallClockNanos()
        var recipients = Set<Int64>()
        for text in texts { for uid in text.members { recipients.insert(uid) } }
        let here = registry.sessions(for: recipients)
        var away: [(text: GroupDelivery, members: [Int64])] = []
        for text in texts {
            here[text.fromUID]?.noteOwnGroupText(text.gid, seq: text.seq)
            guard let frame = try? ChatService.groupTextNotice(text) else { continue }
            var elsewhere: [Int64] = []
            for uid in text.members where uid != text.fromUID {
                guard let session = here[uid] else {
                    elsewhere.append(uid)
                    continue
                }
                if case .catchUp(let after) = session.deliverGroupLive(frame, gid: text.gid, seq: text.seq, uid: uid, committedAt: committedAt) {
                    catchUp.start(session, uid: uid, gid: text.gid, after: after)
                }
            }
            if !elsewhere.isEmpty {
                away.append((GroupDelivery(gid: text.gid, seq: text.seq, body: frame.bodyText, uids: [], committedAt: committedAt), elsewhere))
            }
        }
        if !away.isEmpty { remoteRouter.route(groups: away) }
    }

    /// Which of `uids` are online (here, or on a live node): one presence lookup for all of them.
    func online(among uids: [Int64]) async -> Set<Int64> {
        let here = registry.sessions(for: Set(uids))
        var online = Set(here.keys)
        let rest = uids.filter { here[$0] == nil }
        guard !rest.isEmpty, let entries = try? await presence.entries(of: rest) else { return online }
        for (uid, entry) in entries where entry.node != nodeName {
            if await nodes.peer(entry.node, instance: entry.instance) != nil { online.insert(uid) }
        }
        return online
    }

    // MARK: - Login

    /// Takes the per-user login lock, retrying for up to `wait`.
    func lock(_ uid: Int64, owner: String, wait: Duration = .seconds(3)) async throws(FluxError) {
        try await lock.acquire(uid, owner: owner, wait: wait)
    }

    /// Stops the queues to other nodes (shutdown).
    func close() {
        remoteRouter.close()
        remote.close()
    }

    func unlock(_ uid: Int64, owner: String) async {
        await lock.release(uid, owner: owner)
    }

    /// Under the login lock: tells the node holding `uid`'s previous session (if another live node) to
    /// kick it, then records `session` as the user's. A previous node known to be dead (its registration
    /// expired, or its RPC port refuses) is not waited for: its sessions are gone with it.
    func takeOver(_ uid: Int64, session: ChatSession) async throws(FluxError) {
        if let previous = try? await presence.entry(of: uid), previous.node != nodeName,
            let api = await nodes.peer(previous.node, instance: previous.instance)
        {
            do {
                try await api.kick(uid: uid, session: previous.value)
            } catch {
                if await nodes.isKnownDead(previous.node, instance: previous.instance) {
                    logger.notice("login takes over from a dead node", metadata: ["uid": "\(uid)", "node": "\(previous.node)"])
                } else {
                    // Two live sessions of one user must not exist: refuse this login; the client retries.
                    throw FluxError(.rpcFailed, "the previous session on \(previous.node) could not be closed: \(error.reason)")
                }
            }
        }
        do {
            try await presence.record(presenceEntry(session), for: uid)
        } catch {
            throw FluxError(.rpcFailed, "presence not recorded: \(error)")
        }
    }

    /// The session ended: forgets it unless a newer one took over. Returns whether it was still the
    /// user's session (then the user is offline now).
    func forget(_ uid: Int64, session: ChatSession) async -> Bool {
        (try? await presence.forget(presenceEntry(session), for: uid)) ?? false
    }
}
