import FluxProtocol
import Synchronization

/// One client connection: its state machine and its bounded outbound queue.
///
/// Frames are queued without waiting; a writer task drains the queue into the socket. When the queue is
/// full the client is not reading, and the connection is closed rather than let memory grow.
public final class ChatSession: Sendable {
    private struct Inner {
        var machine = SessionStateMachine()
        /// While the offline backlog is being sent, live messages wait here so they arrive after it.
        var heldLive: [OutboundFrame]?
        var finished = false
    }

    /// Unique per process, for logs and to tell an old session from its replacement.
    public let id: UInt64
    private let inner = Mutex(Inner())
    private let queue: AsyncStream<OutboundFrame>.Continuation
    private let closeConnection: @Sendable () -> Void

    init(id: UInt64, queue: AsyncStream<OutboundFrame>.Continuation, closeConnection: @escaping @Sendable () -> Void) {
        self.id = id
        self.queue = queue
        self.closeConnection = closeConnection
    }

    /// The logged-in user, if any.
    public var uid: Int64? { inner.withLock { $0.machine.uid } }

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
        enqueue(OutboundFrame(frame: frame, delivery: nil))
    }

    /// Queues a stored message for this session's user (1019), after the backlog if that is still going.
    @discardableResult
    func deliverLive(_ frame: ChatFrame, messageID: Int64, uid: Int64) -> Bool {
        let item = OutboundFrame(frame: frame, delivery: .init(uid: uid, messageID: messageID))
        let held = inner.withLock { inner -> Bool in
            guard inner.heldLive != nil else { return false }
            inner.heldLive!.append(item)
            return true
        }
        return held || enqueue(item)
    }

    /// Queues one backlog message (sent before any held live message).
    @discardableResult
    func deliverBacklog(_ frame: ChatFrame, messageID: Int64, uid: Int64) -> Bool {
        enqueue(OutboundFrame(frame: frame, delivery: .init(uid: uid, messageID: messageID)))
    }

    /// The backlog up to `lastMessageID` is queued: releases held live messages newer than it.
    func endBacklog(lastMessageID: Int64) {
        let held = inner.withLock { inner -> [OutboundFrame] in
            defer { inner.heldLive = nil }
            return inner.heldLive ?? []
        }
        for item in held where (item.delivery?.messageID ?? .max) > lastMessageID {
            enqueue(item)
        }
    }

    /// Lets the queued frames go out, then closes the connection.
    public func finish() {
        inner.withLock { $0.finished = true }
        queue.finish()
    }

    /// Closes the connection at once, dropping what is queued.
    func closeNow() {
        finish()
        closeConnection()
    }

    private func enqueue(_ item: OutboundFrame) -> Bool {
        guard !inner.withLock({ $0.finished }) else { return false }
        switch queue.yield(item) {
        case .enqueued:
            return true
        case .terminated:
            // Finished: the frames already queued are going out; this one is too late.
            return false
        case .dropped:
            closeNow()
            return false
        @unknown default:
            closeNow()
            return false
        }
    }
}
