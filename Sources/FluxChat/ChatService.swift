import Foundation
import FluxCluster
import FluxContracts
import FluxKV
import FluxProtocol
import FluxStore
import Logging
import Synchronization

/// The chat role's logic: what each frame of a session does. Transport-free, so the listener stays thin.
public final class ChatService: Sendable {
    let configuration: ChatConfiguration
    let store: any Store
    let kv: any KeyValueStore
    let logger: Logger
    let registry: SessionRegistry
    let router: ChatRouter
    let profiles: ProfileCache
    let batcher: MessageBatcher
    let groupBatcher: GroupTextBatcher
    let groupCatchUp: GroupCatchUp
    let tracker: DeliveryTracker
    let metrics: ChatMetrics
    let status: any StatusAPI
    let tokens: TokenStore
    let limits: RateLimiter
    /// Wall-clock seconds, for the windows of the rate limits (injected by tests).
    let clock: @Sendable () -> Double
    /// Monotonic nanoseconds, for the idle and login timeouts of connections.
    let uptime: @Sendable () -> UInt64
    let draining = Atomic<Bool>(false)

    /// `status` hands out reconnect assignments when draining; `nodes` reaches the other chat nodes (for
    /// users logged in elsewhere).
    public init(
        configuration: ChatConfiguration, store: any Store, kv: any KeyValueStore, status: any StatusAPI, nodes: NodeDirectory,
        logger: Logger, clock: @escaping @Sendable () -> Double = { Date().timeIntervalSince1970 },
        uptime: @escaping @Sendable () -> UInt64 = { DispatchTime.now().uptimeNanoseconds }
    ) {
        self.clock = clock
        self.uptime = uptime
        self.configuration = configuration
        self.store = store
        self.kv = kv
        self.status = status
        self.tokens = TokenStore(kv: kv)
        self.limits = RateLimiter(kv: kv, now: clock)
        self.logger = logger
        let metrics = ChatMetrics(node: configuration.name)
        self.metrics = metrics
        let registry = SessionRegistry(metrics: metrics)
        let router = ChatRouter(nodeName: configuration.name, kv: kv, nodes: nodes, registry: registry, metrics: metrics, logger: logger)
        self.registry = registry
        self.router = router
        self.profiles = ProfileCache(shared: SharedProfileCache(kv: kv), store: store, logger: logger)
        let tracker = DeliveryTracker(store: store, logger: logger)
        self.tracker = tracker
        let batcher = MessageBatcher(committer: Self.textCommitter(store: store, tracker: tracker)) { messages in
            router.deliver(messages.filter { !$0.isDuplicate })
        }
        self.batcher = batcher
        tracker.markTextsInCommits { [weak batcher] in batcher?.enqueue([]) { _ in } }
        let catchUp = GroupCatchUp(
            store: store, tracker: tracker, logger: logger, pageSize: min(configuration.backlogPageSize, max(1, configuration.outboundQueueLimit / 4)),
            queueLimit: configuration.outboundQueueLimit)
        self.groupCatchUp = catchUp
        self.groupBatcher = GroupTextBatcher { texts in try await store.appendGroupMessages(texts) } deliver: { outcomes in
            router.deliverGroups(outcomes.compactMap { outcome in
                guard case .stored(let text) = outcome, !text.isDuplicate else { return nil }
                return text
            }, catchUp: catchUp)
        }
    }

    /// Commits private texts with the delivery marks that are due: on a thread of the batcher's own when
    /// the store can commit blocking (SQLite), else awaited. A failed commit gives its marks back.
    private static func textCommitter(store: any Store, tracker: DeliveryTracker) -> MessageBatcher.Committer {
        if let blocking = store.blockingTextCommits {
            return .blocking({ messages in
                let marks = tracker.takeReadyTexts()
                do {
                    return try blocking.appendMessagesBlocking(messages, markingDelivered: marks)
                } catch {
                    tracker.giveBack(marks)
                    throw error
                }
            }, idle: { blocking.checkpointIfDue() })
        }
        return .async { messages in
            let marks = tracker.takeReadyTexts()
            do {
                return try await store.appendMessages(messages, markingDelivered: marks)
            } catch {
                tracker.giveBack(marks)
                throw error
            }
        }
    }

    /// Unique to this run of the node (reported to status, written into presence entries).
    public var instance: String { router.instance }

    /// Whether an operator drained this node (status must not assign it).
    public var isDraining: Bool { draining.load(ordering: .relaxed) }

    /// Texts stored from and written to this node's clients since start.
    public var messageTotals: (received: Int64, delivered: Int64) {
        (metrics.textsIn.load(ordering: .relaxed), metrics.textsOut.load(ordering: .relaxed))
    }

    /// Open connections on this node, logged in or not.
    func connectionCount() async -> Int {
        registry.connectionCount
    }

    /// Every open connection (for the idle sweep).
    func openConnections() async -> [ChatSession] {
        registry.allConnections
    }

    /// Logged-in sessions on this node.
    public func sessionCount() async -> Int {
        registry.count
    }

    /// Handles one frame. Never throws: every failure becomes an error reply.
    func handle(_ frame: ChatFrame, in session: ChatSession) async {
        // A closed, kicked or logged-out session acts on nothing it still had queued.
        guard !session.isFinished else { return }
        switch session.action(for: frame.id) {
        case .drop:
            return
        case .reject(let code):
            reply(frame.id, error: code, to: session)
        case .handle(let uid):
            do {
                try await dispatch(frame, uid: uid, session: session)
            } catch {
                if error is FluxError || error is DecodingError {
                    logger.debug("request refused", metadata: ["id": "\(frame.id)", "error": "\(error)"])
                } else {
                    logger.error("request failed", metadata: ["id": "\(frame.id)", "error": "\(error)"])
                }
                reply(frame.id, error: Self.errorCode(for: error), to: session)
            }
        }
    }

    private func dispatch(_ frame: ChatFrame, uid: Int64?, session: ChatSession) async throws {
        guard let uid else {
            do {
                try await login(try frame.decode(ChatLoginRequest.self), session: session)
                metrics.login(result: 0)
            } catch {
                metrics.login(result: Self.errorCode(for: error).rawValue)
                throw error
            }
            return
        }
        switch frame.id {
        case .heartbeat:
            send(.heartbeatResponse, ErrorReply(error: .success), to: session)
        case .searchUser:
            try await search(try frame.decode(SearchUserRequest.self), uid: uid, session: session)
        case .addFriend:
            try await addFriend(try frame.decode(AddFriendRequest.self), uid: uid, session: session)
        case .authFriend:
            try await acceptFriend(try frame.decode(AuthFriendRequest.self), uid: uid, session: session)
        case .textChat:
            do {
                // The plain shape is read without JSONDecoder; anything else (and every error) goes through it.
                let request = try TextChatRequestParser.parse(frame.body) ?? frame.decode(TextChatMessage.self)
                try await sendText(request, uid: uid, session: session)
            } catch where session.textsInFlight.load(ordering: .relaxed) > 0 {
                // Earlier 1017s are still being committed: this refusal waits its turn.
                refuseText(Self.errorCode(for: error), session: session)
            }
        case .history:
            try await history(try frame.decode(HistoryRequest.self), uid: uid, session: session)
        case .receipt:
            try await receipt(try frame.decode(ReceiptMessage.self), uid: uid, session: session)
        case .updateProfile:
            try await updateProfile(try frame.decode(UpdateProfileRequest.self), uid: uid, session: session)
        case .logout:
            try await logout(uid: uid, session: session)
        case .groupText:
            do {
                try await sendGroupText(try frame.decode(GroupTextMessage.self), uid: uid, session: session)
            } catch where session.groupTextsInFlight.load(ordering: .relaxed) > 0 {
                // As for 1017: a refusal waits for the earlier 1133s, so 1134s keep their order.
                let code = Self.errorCode(for: error)
                session.groupTextsInFlight.add(1, ordering: .relaxed)
                groupBatcher.enqueue([]) { [self] _ in
                    session.groupTextsInFlight.subtract(1, ordering: .relaxed)
                    reply(.groupText, error: code, to: session)
                }
            }
        case .groupCreate, .groupAdd, .groupLeave, .groupRemove, .groupInfo, .groupHistory, .groupRead, .groupList, .groupRename,
            .groupSetRole:
            try await handleGroupRequest(frame, uid: uid, session: session)
        default:
            session.send(try ChatFrame(.notifyError, json: ErrorNotice(
                error: .unknownMessage, msgid: Int(frame.id.rawValue), reason: "unknown message id \(frame.id)")))
        }
    }

    // MARK: - Replies

    /// The protocol code a failed request is answered with: a `FluxError`'s own, 1001 for a body that did
    /// not decode, 1014 for anything else.
    static func errorCode(for error: any Error) -> ErrorCode {
        if let error = error as? FluxError { return error.code }
        return error is DecodingError ? .badJSON : .internalError
    }

    /// Answers request `id` with `{"error": code}` on its response id.
    func reply(_ id: MessageID, error code: ErrorCode, to session: ChatSession) {
        if isRequest(id) {
            send(id.response, ErrorReply(error: code), to: session)
        } else {
            send(.notifyError, ErrorNotice(error: code, msgid: Int(id.rawValue), reason: "\(code)"), to: session)
        }
    }

    func send(_ id: MessageID, _ body: some Encodable, to session: ChatSession) {
        do {
            session.send(try ChatFrame(id, json: body))
        } catch {
            logger.error("reply not encoded", metadata: ["id": "\(id)", "error": "\(error)"])
        }
    }

    private func isRequest(_ id: MessageID) -> Bool {
        [.chatLogin, .searchUser, .addFriend, .authFriend, .textChat, .heartbeat, .history, .receipt, .updateProfile, .logout,
         .groupCreate, .groupAdd, .groupLeave, .groupRemove, .groupInfo, .groupText, .groupHistory, .groupRead, .groupList,
         .groupRename, .groupSetRole]
            .contains(id)
    }

    /// Sends `body` as `id` to `uid` wherever they are logged in (here or on another node).
    func notify(_ uid: Int64, _ id: MessageID, _ body: some Encodable) async {
        guard let frame = try? ChatFrame(id, json: body) else { return }
        await router.send(frame, to: uid)
    }

    /// Runs a store call, turning its failure into 1014.
    func storeCall<T>(_ body: () async throws(StoreError) -> T) async throws(FluxError) -> T {
        do {
            return try await body()
        } catch {
            logger.error("store failed", metadata: ["error": "\(error)"])
            throw FluxError(.internalError, "store failed: \(error)")
        }
    }
}
