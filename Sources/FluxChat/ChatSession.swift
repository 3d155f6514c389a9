import FluxProtocol
import Synchronization

/// One client connection: its state machine and its bounded outbound queue.
///
/// Frames are queued without waiting; the `SessionWriter` puts them in the socket on the event loop. When
/// too many are unwritten the client is not reading, and the connection is closed rather than let memory
/// grow.
public final class ChatSession: Sendable {
    private struct Inner {
        var machine = SessionStateMachine()
        /// While the offline backlog is being sent, live messages wait here so they arrive after it.
        var heldLive: [OutboundFrame]?
        var finished = false
        /// Peers known to be friends of this session's user (friendships are never taken back).
        var friends: Set<Int64> = []
        /// Stored texts queued here lately, so a re-send after a fault (or a live delivery racing it) is
        /// never written twice. Bounded: older ids are long marked delivered in the store.
        var recentTexts = Set<Int64>()
        var recentOrder: [Int64] = []
        var recentHead = 0
        /// Texts per second of this session's user (`chat.texts_per_second`).
        var texts = LocalRateWindow()
        /// Group texts per second of this session's user (`group.texts_per_second`).
        var groupTexts = LocalRateWindow()
        /// Which group texts are queued here (each once, in order, without gaps).
        var groups = GroupCursorBook()
    }

    /// How many recently queued text ids a session remembers.
    static let recentTextLimit = 256

    /// Unique per process, for logs and to tell an old session from its replacement.
    public let id: UInt64
    /// When the connection opened, milliseconds since 1970.
    let connectedAt: Int64
    /// The client's address and port, for operators.
    let remote: String
    /// The client's address without the port (per-address limits).
    var remoteAddress: String { String(remote[..<(remote.lastIndex(of: ":") ?? remote.endIndex)]) }
    /// When the connection opened (uptime nanoseconds), for the login timeout.
    let openedAt: UInt64
    private let inner = Mutex(Inner())
    private let writer: SessionWriter
    /// Closes the socket: at once (nil), or on its event loop if the check given then still holds.
    private let closeConnection: @Sendable (_ ifStill: (@Sendable () -> Bool)?) -> Void
    /// When the client last sent anything (uptime nanoseconds), for the idle sweep.
    let lastRead: Atomic<UInt64>
    /// Whether the connection is working through its frames (then it is busy, not idle, even when its
    /// reading is paused).
    let handling = Atomic<Bool>(false)
    /// 1017s queued for a commit and not yet answered.
    let textsInFlight = Atomic<Int>(0)
    /// 1133s queued for a commit and not yet answered.
    let groupTextsInFlight = Atomic<Int>(0)
    private let onOverflow: @Sendable () -> Void

    init(
        id: UInt64, writer: SessionWriter, remote: String = "", openedAt: UInt64, onOverflow: @escaping @Sendable () -> Void = {},
        closeConnection: @escaping @Sendable (_ ifStill: (@Sendable () -> Bool)?) -> Void
    ) {
        self.remote = remote
        self.openedAt = openedAt
        self.lastRead = Atomic(openedAt)
        self.connectedAt = Int64(ChatMetrics.wallClockNanos() / 1_000_000)
        self.onOverflow = onOverflow
        self.id = id
        self.writer = writer
        self.closeConnection = closeConnection
    }

    /// Counts `cost` texts at `now` (seconds) against `limit` per second.
    func admitTexts(cost: Int, limit: Int, now: Double) -> Bool {
        inner.withLock { $0.texts.admit(cost: cost, limit: limit, window: 1, now: now) }
    }

    /// Counts `cost` group texts at `now` (seconds) against `limit` per second.
    func admitGroupTexts(cost: Int, limit: Int, now: Double) -> Bool {
        inner.withLock { $0.groupTexts.admit(cost: cost, limit: limit, window: 1, now: now) }
    }

    func knowsFriend(_ uid: Int64) -> Bool { inner.withLock { $0.friends.contains(uid) } }

    func rememberFriend(_ uid: Int64) { inner.withLock { _ = $0.friends.insert(uid) } }

    /// The logged-in user, if any.
    public var uid: Int64? { inner.withLock { $0.machine.uid } }

    /// Frames queued and not yet in the socket.
    var queuedFrames: Int { writer.unwritten }

    /// Whether the session no longer accepts frames.
    var isFinished: Bool { inner.withLock { $0.finished } }

    func action(for id: MessageID) -> SessionStateMachine.FrameAction {
        inner.withLock { $0.machine.action(for: id) }
    }

    /// Marks the session logged in and starts holding live messages until `endBacklog`.
    func logIn(uid: Int64) -> Bool {
        inner.withLock { inner in
            guard inner.machine.loggedIn(uid: uid) else { return false }
            inner.heldLive = []
            return true
        }
    }

    /// Marks the session closed; returns the uid that was logged in, once.
    func markClosed() -> Int64? {
        inner.withLock { $0.machine.close() }
    }

    /// Queues a response or notice. Returns false if the session is finished or its queue overflowed
    /// (the connection is then closed).
    @discardableResult
    func send(_ frame: ChatFrame) -> Bool {
        let result = inner.withLock { inner in yield(OutboundFrame(frame: frame, delivery: nil), &inner) }
        return settle(result)
    }

    /// Queues a stored message for this session's user (1019), after the backlog if that is still going.
    @discardableResult
    func deliverLive(_ frame: ChatFrame, messageID: Int64, uid: Int64, committedAt: UInt64? = nil) -> Bool {
        let item = OutboundFrame(frame: frame, delivery: .init(uid: uid, messageID: messageID, committedAt: committedAt))
        let result = inner.withLock { inner -> SessionWriter.EnqueueResult? in
            if inner.heldLive != nil {
                inner.heldLive!.append(item)
                return nil
            }
            return yield(item, &inner)
        }
        return result.map(settle) ?? true
    }

    /// Queues one backlog message (sent before any held live message).
    @discardableResult
    func deliverBacklog(_ frame: ChatFrame, messageID: Int64, uid: Int64) -> Bool {
        let item = OutboundFrame(frame: frame, delivery: .init(uid: uid, messageID: messageID))
        return settle(inner.withLock { inner in yield(item, &inner) })
    }

    /// The backlog (`sent`, the ids it queued) is queued: queues the held live messages it did not
    /// contain, in id order, before any later live message can be queued. (With several writers, a text
    /// can commit after a newer one was read into the backlog: it is held here, not skipped.) Held group
    /// texts go through the group cursors; returns the groups that must now be caught up from the store.
    @discardableResult
    func endBacklog(sent: Set<Int64>) -> [(gid: Int64, after: Int64?)] {
        let (results, catchUps) = inner.withLock { inner -> ([SessionWriter.EnqueueResult], [(gid: Int64, after: Int64?)]) in
            let all = inner.heldLive ?? []
            let held = all.filter { item in item.delivery.map { $0.gid == nil && !sent.contains($0.messageID) } ?? false }
                .sorted { ($0.delivery?.messageID ?? 0) < ($1.delivery?.messageID ?? 0) }
                + all.filter { $0.delivery?.gid != nil }
            inner.heldLive = nil
            var results: [SessionWriter.EnqueueResult] = []
            var catchUps: [(gid: Int64, after: Int64?)] = []
            for item in held {
                if let gid = item.delivery?.gid, let seq = item.delivery?.messageID {
                    switch inner.groups.live(gid: gid, seq: seq) {
                    case .skip: continue
                    case .catchUp(let after):
                        catchUps.append((gid, after))
                        continue
                    case .queue: break
                    }
                }
                let result = yield(item, &inner)
                results.append(result)
                // Once one is refused (overflow or closed) the rest would be too: count it once.
                guard case .enqueued = result else { break }
            }
            return (results, catchUps)
        }
        for result in results { settle(result) }
        return catchUps
    }

    // MARK: - Group texts

    /// Queues a live group text (1135) unless it was queued already or texts before it are missing (then
    /// the caller catches the group up from the store). Held like other live texts during the backlog.
    func deliverGroupLive(_ frame: ChatFrame, gid: Int64, seq: Int64, uid: Int64, committedAt: UInt64? = nil) -> GroupCursorBook.Decision {
        let item = OutboundFrame(frame: frame, delivery: .init(uid: uid, messageID: seq, committedAt: committedAt, gid: gid))
        let (decision, result) = inner.withLock { inner -> (GroupCursorBook.Decision, SessionWriter.EnqueueResult?) in
            guard !inner.finished else { return (.skip, nil) }
            if inner.heldLive != nil {
                inner.heldLive!.append(item)
                return (.skip, nil)
            }
            let decision = inner.groups.live(gid: gid, seq: seq)
            guard decision == .queue else { return (decision, nil) }
            return (decision, yield(item, &inner))
        }
        if let result { settle(result) }
        return decision
    }

    /// Queues a group text read from the store (login backlog, catch-up) if it comes after what is
    /// queued; the user's own texts are passed over (`own`). False when the session is finished or
    /// overflowed.
    @discardableResult
    func deliverGroupStored(_ frame: ChatFrame, gid: Int64, seq: Int64, uid: Int64, own: Bool = false) -> Bool {
        let item = OutboundFrame(frame: frame, delivery: .init(uid: uid, messageID: seq, gid: gid))
        let result = inner.withLock { inner -> SessionWriter.EnqueueResult in
            guard !inner.finished else { return .terminated }
            guard inner.groups.stored(gid: gid, seq: seq), !own else { return .enqueued }
            return yield(item, &inner)
        }
        return settle(result)
    }

    /// The user's own text `seq` of `gid` was stored: the next live text after it is not a gap.
    func noteOwnGroupText(_ gid: Int64, seq: Int64) {
        inner.withLock { inner in
            if inner.groups.last(gid) == seq - 1 { _ = inner.groups.stored(gid: gid, seq: seq) }
        }
    }

    /// Sets where `gid` stands for this session (login backlog, joining).
    func startGroup(_ gid: Int64, at seq: Int64) { inner.withLock { $0.groups.start(gid: gid, at: seq) } }

    /// Starts a catch-up of `gid` from `seq` (or later, if more is queued); nil when one runs already.
    func beginGroupCatchUp(_ gid: Int64, from seq: Int64) -> Int64? { inner.withLock { $0.groups.beginCatchUp(gid: gid, from: seq) } }

    /// Ends a catch-up; the seq to read after when it must go on.
    func endGroupCatchUp(_ gid: Int64) -> Int64? { inner.withLock { $0.groups.endCatchUp(gid: gid) } }

    /// Gives up a catch-up of `gid` after a store failure.
    func abandonGroupCatchUp(_ gid: Int64) { inner.withLock { $0.groups.abandonCatchUp(gid: gid) } }

    /// The user is no longer in `gid`.
    func forgetGroup(_ gid: Int64) { inner.withLock { $0.groups.forget(gid: gid) } }

    /// Lets the queued frames go out, then closes the connection.
    public func finish() {
        inner.withLock { inner in
            inner.finished = true
            inner.heldLive = nil
        }
        writer.finish()
    }

    /// Closes the connection at once, dropping what is queued.
    func closeNow() {
        finish()
        closeConnection(nil)
    }

    /// Closes the connection at once if `stillDue` holds on its event loop, after the input the loop had
    /// not read yet: the idle sweep runs on another thread, and a loop that fell behind (a starved
    /// process) may hold frames that show the client is there.
    func closeIfStill(_ stillDue: @escaping @Sendable () -> Bool) {
        closeConnection { [self] in
            guard stillDue() else { return false }
            finish()
            return true
        }
    }

    /// Whether the offline backlog is still being sent (re-sends wait for it: it covers them).
    var isSendingBacklog: Bool { inner.withLock { $0.heldLive != nil } }

    /// Yields under the lock so frames keep the order in which they were accepted. A stored text already
    /// queued here is skipped (counted as queued).
    private func yield(_ item: OutboundFrame, _ inner: inout Inner) -> SessionWriter.EnqueueResult {
        guard !inner.finished else { return .terminated }
        if let delivery = item.delivery, delivery.gid == nil {
            let id = delivery.messageID
            guard inner.recentTexts.insert(id).inserted else { return .enqueued }
            inner.recentOrder.append(id)
            if inner.recentOrder.count - inner.recentHead > Self.recentTextLimit {
                inner.recentTexts.remove(inner.recentOrder[inner.recentHead])
                inner.recentHead += 1
                if inner.recentHead >= Self.recentTextLimit {
                    inner.recentOrder.removeFirst(inner.recentHead)
                    inner.recentHead = 0
                }
            }
        }
        return writer.enqueue(item)
    }

    @discardableResult
    private func settle(_ result: SessionWriter.EnqueueResult) -> Bool {
        switch result {
        case .enqueued:
            return true
        case .terminated:
            // Finished: the frames already queued are going out; this one is too late.
            return false
        case .dropped:
            onOverflow()
            closeNow()
            return false
        }
    }
}
