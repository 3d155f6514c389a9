import FluxKV
import FluxProtocol
import FluxRPC
import FluxStore
import Logging
import Synchronization

/// Where each user is — on this node, on another live node, or offline — and how frames reach them.
///
/// `uip_<uid>` holds `<node>#<instance>#<session>` of the user's session, where `instance` is new at
/// every start of the node. An entry naming a node that status no longer lists, or an earlier run of it,
/// is not trusted: that user counts as offline and their texts wait in the store.
final class ChatRouter: Sendable {
    enum Location {
        case local(ChatSession)
        case remote(node: String, any ChatNodeAPI)
        case offline
    }

    let nodeName: String
    /// Unique to this run of the node, so presence written before a crash and restart is not trusted.
    let instance = SecureRandomID.make()
    private let kv: any KeyValueStore
    private let status: any StatusAPI
    private let registry: SessionRegistry
    private let logger: Logger
    private let peers = Mutex<[String: (address: String, api: ChatNodeRPCClient)]>([:])
    private let liveNodes = Mutex<(at: ContinuousClock.Instant, nodes: [String: ChatNodeReport])?>(nil)
    private let remote: RemoteDeliveryQueue

    init(nodeName: String, kv: any KeyValueStore, status: any StatusAPI, registry: SessionRegistry, metrics: ChatMetrics, logger: Logger) {
        self.nodeName = nodeName
        self.kv = kv
        self.status = status
        self.registry = registry
        self.logger = logger
        self.remote = RemoteDeliveryQueue(logger: logger, onDrop: { metrics.remoteQueueDrops.increment() })
    }

    /// The `uip_` value of `session` on this node.
    func presenceValue(_ session: ChatSession) -> String { "\(nodeName)#\(instance)#\(session.id)" }

    func locate(_ uid: Int64) async -> Location {
        if let session = await registry.session(for: uid) { return .local(session) }
        guard let value = try? await kv.get(KeyNames.presence(uid)) else { return .offline }
        let (node, instance) = Self.parse(value)
        guard node != nodeName, let api = await peer(node, instance: instance) else { return .offline }
        return .remote(node: node, api)
    }

    private static func parse(_ value: String) -> (node: String, instance: String) {
        let parts = value.split(separator: "#", omittingEmptySubsequences: false)
        return (String(parts.first ?? ""), parts.count > 1 ? String(parts[1]) : "")
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

    /// Delivers newly stored texts in id order: local sessions at once, remote ones queued in one call per
    /// node (`RemoteDeliveryQueue`, so a slow node does not hold up commits). A node that cannot be
    /// reached loses nothing: the texts stay undelivered for the next login.
    func deliver(_ messages: [StoredMessage]) async {
        var remote: [String: (api: any ChatNodeAPI, deliveries: [NodeDelivery])] = [:]
        var order: [String] = []
        let committedAt = ChatMetrics.wallClockNanos()
        let here = await registry.sessions(for: Set(messages.map(\.toUID)))
        for message in messages {
            guard let frame = try? ChatService.textNotice(message) else { continue }
            let location: Location
            if let session = here[message.toUID] { location = .local(session) } else { location = await locate(message.toUID) }
            switch location {
            case .local(let session):
                session.deliverLive(frame, messageID: message.id, uid: message.toUID, committedAt: committedAt)
            case .remote(let node, let api):
                if remote[node] == nil {
                    remote[node] = (api, [])
                    order.append(node)
                }
                remote[node]!.deliveries.append(NodeDelivery(
                    uid: message.toUID, frameID: frame.id.rawValue, body: frame.bodyText, messageID: message.id, committedAt: committedAt))
            case .offline:
                break
            }
        }
        for node in order {
            guard let (api, deliveries) = remote[node] else { continue }
            self.remote.enqueue(deliveries, to: node, via: api)
        }
    }

    // MARK: - Login

    /// Takes the per-user login lock, retrying for up to `wait`. Returns the owner value to release with.
    func lock(_ uid: Int64, owner: String, wait: Duration = .seconds(3)) async throws(FluxError) -> String {
        let deadline = ContinuousClock.now.advanced(by: wait)
        while true {
            do {
                if try await kv.setIfAbsent(KeyNames.loginLock(uid), owner, ttl: .seconds(10)) { return owner }
            } catch {
                throw FluxError(.rpcFailed, "login lock unavailable: \(error)")
            }
            guard ContinuousClock.now < deadline else { throw FluxError(.rpcFailed, "another login of \(uid) is in progress") }
            try? await Task.sleep(for: .milliseconds(20))
        }
    }

    /// Stops the queues to other nodes (shutdown).
    func close() {
        remote.close()
    }

    func unlock(_ uid: Int64, owner: String) async {
        _ = try? await kv.compareAndDelete(KeyNames.loginLock(uid), expected: owner)
    }

    /// Under the login lock: tells the node holding `uid`'s previous session (if another live node) to
    /// kick it, then records `session` as the user's.
    func takeOver(_ uid: Int64, session: ChatSession) async throws(FluxError) {
        let previous = try? await kv.get(KeyNames.presence(uid))
        if let previous {
            let (node, instance) = Self.parse(previous)
            if node != nodeName, let api = await peer(node, instance: instance) {
                do {
                    try await api.kick(uid: uid, session: previous)
                } catch {
                    // Two live sessions of one user must not exist: refuse this login; the client retries,
                    // and once the old node stops renewing it is no longer asked.
                    throw FluxError(.rpcFailed, "the previous session on \(node) could not be closed: \(error.reason)")
                }
            }
        }
        do {
            try await kv.set(KeyNames.presence(uid), presenceValue(session), ttl: nil)
        } catch {
            throw FluxError(.rpcFailed, "presence not recorded: \(error)")
        }
    }

    /// The session ended: forgets it unless a newer one took over. Returns whether it was still the
    /// user's session (then the user is offline now).
    func forget(_ uid: Int64, session: ChatSession) async -> Bool {
        (try? await kv.compareAndDelete(KeyNames.presence(uid), expected: presenceValue(session))) ?? false
    }

    // MARK: - Peers

    /// The RPC client of live node `name` in its run `instance`, if status lists it with an RPC address.
    private func peer(_ name: String, instance: String) async -> (any ChatNodeAPI)? {
        guard let report = await live()[name], report.instance == nil || report.instance == instance,
            let address = report.rpcAddress
        else { return nil }
        if let known = peers.withLock({ $0[name] }), known.address == address { return known.api }
        guard let colon = address.lastIndex(of: ":"), let port = Int(address[address.index(after: colon)...]) else { return nil }
        let api = ChatNodeRPCClient(client: RPCClient(
            host: String(address[..<colon]), port: port, timeout: .seconds(3), logger: logger))
        peers.withLock { $0[name] = (address, api) }
        return api
    }

    /// Status's live nodes, refreshed at most once a second.
    private func live() async -> [String: ChatNodeReport] {
        if let cached = liveNodes.withLock({ $0 }), cached.at.duration(to: .now) < .seconds(1) { return cached.nodes }
        guard let reports = try? await status.liveChatNodes() else {
            // Status unreachable: keep trusting the last list briefly, never for longer than a node lives.
            return liveNodes.withLock { cached in
                guard let cached, cached.at.duration(to: .now) < .seconds(15) else { return [:] }
                return cached.nodes
            }
        }
        let nodes = Dictionary(reports.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        liveNodes.withLock { $0 = (ContinuousClock.now, nodes) }
        return nodes
    }
}
