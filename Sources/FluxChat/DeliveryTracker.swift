import Dispatch
import FluxStore
import Logging
import Synchronization

/// Marks messages delivered some time after their frames were written to the recipient's socket,
/// coalescing many into one store write.
///
/// "Written" means handed to the kernel, not read by the client: if the server dies, a reset can still
/// discard what the client had not read yet. So a message is marked only once it has been out for
/// `delay` (the client has long read it by then); after a crash, the last `delay` of texts comes again at
/// the next login: a duplicate (same msgid and seq), never a loss.
///
/// A chat node routes private texts' marks into its text commits (`markTextsInCommits`): a transaction
/// of its own took the single SQLite writer for milliseconds every flush, and the texts queued behind it
/// made the relay's p99.
final class DeliveryTracker: Sendable {
    /// A private text by id, or a member's cursor in a group.
    private enum Entry {
        case text(Int64)
        case group(GroupCursor)
    }

    private struct State {
        var pending: [(entry: Entry, at: UInt64)] = []
        var flushScheduled = false
        /// Private texts old enough to mark, waiting for the next text commit to carry them.
        var readyTexts: [Int64] = []
    }

    private let store: any Store
    private let logger: Logger
    private let state = Mutex(State())
    /// Set by `markTextsInCommits`: asks for a text commit, which takes the ready marks along.
    private let requestCommit = Mutex<(@Sendable () -> Void)?>(nil)
    private let delay: Duration
    /// How often old-enough deliveries are written: often, so each store write stays small and never
    /// holds up the texts' own commits for long.
    private let interval: Duration

    /// Uptime nanoseconds (injected by tests).
    private let now: @Sendable () -> UInt64

    init(
        store: any Store, logger: Logger, delay: Duration = .milliseconds(500), interval: Duration = .milliseconds(50),
        now: @escaping @Sendable () -> UInt64 = { DispatchTime.now().uptimeNanoseconds }
    ) {
        self.now = now
        self.store = store
        self.logger = logger
        self.delay = delay
        self.interval = interval
    }

    /// From now on, private texts' marks ride on text commits: a flush leaves them for `takeReadyTexts`
    /// and calls `requestCommit`, so a commit comes even while nobody sends.
    func markTextsInCommits(requestCommit: @escaping @Sendable () -> Void) {
        self.requestCommit.withLock { $0 = requestCommit }
    }

    /// The marks a text commit should write now (called inside the commit).
    func takeReadyTexts() -> [Int64] {
        state.withLock { state in
            defer { state.readyTexts = [] }
            return state.readyTexts
        }
    }

    /// Marks taken by a commit that failed: a commit is asked for again after `interval` (not at once:
    /// a store that keeps failing is not hammered).
    func giveBack(_ messageIDs: [Int64]) {
        guard !messageIDs.isEmpty else { return }
        let schedule = state.withLock { state -> Bool in
            state.readyTexts.append(contentsOf: messageIDs)
            defer { state.flushScheduled = true }
            return !state.flushScheduled
        }
        if schedule { scheduleFlush(after: interval) }
    }

    func delivered(uid: Int64, messageID: Int64) {
        delivered([messageID])
    }

    /// Records that these messages were written to their recipients (called from event loops: it only
    /// queues them; one task writes them to the store later).
    func delivered(_ messageIDs: [Int64]) {
        record(messageIDs.map(Entry.text))
    }

    /// Records that these group texts were written to their members (each cursor: member, group, seq).
    func delivered(groups cursors: [GroupCursor]) {
        record(cursors.map(Entry.group))
    }

    private func record(_ entries: [Entry]) {
        let now = self.now()
        let schedule = state.withLock { state -> Bool in
            state.pending.append(contentsOf: entries.map { ($0, now) })
            guard !state.flushScheduled else { return false }
            state.flushScheduled = true
            return true
        }
        // The first flush after a quiet spell waits the whole delay; then every interval.
        if schedule { scheduleFlush(after: delay) }
    }

    private func scheduleFlush(after wait: Duration) {
        Task {
            try? await Task.sleep(for: wait)
            await flush(all: false)
        }
    }

    /// Records the pending deliveries that are old enough (all of them with `all`, at shutdown).
    func flush(all: Bool = true) async {
        let age = UInt64(delay.components.seconds) * 1_000_000_000 + UInt64(delay.components.attoseconds / 1_000_000_000)
        let now = self.now()
        let routed = all ? nil : requestCommit.withLock { $0 }
        var texts: [Int64] = []
        var cursors: [GroupCursor] = []
        let (waitingForCommit, again) = state.withLock { state -> (Bool, Bool) in
            let split = all ? state.pending.count : state.pending.firstIndex { now < $0.at || now - $0.at < age } ?? state.pending.count
            for (entry, _) in state.pending[..<split] {
                switch entry {
                case .text(let id): texts.append(id)
                case .group(let cursor): cursors.append(cursor)
                }
            }
            state.pending.removeFirst(split)
            state.flushScheduled = !state.pending.isEmpty
            if routed != nil {
                // Due marks wait for the next text commit, with any a failed commit gave back.
                state.readyTexts.append(contentsOf: texts)
                texts = []
            } else if all {
                // At shutdown the marks no commit took yet are written here.
                texts = state.readyTexts + texts
                state.readyTexts = []
            }
            return (!state.readyTexts.isEmpty, state.flushScheduled)
        }
        if again { scheduleFlush(after: interval) }
        if waitingForCommit, let routed { routed() }
        guard !texts.isEmpty || !cursors.isEmpty else { return }
        do {
            if !texts.isEmpty { try await store.markDelivered(messageIDs: texts) }
            if !cursors.isEmpty { try await store.markGroupDelivered(cursors) }
        } catch {
            // The messages will be sent again at the next login: a duplicate, never a loss.
            logger.warning("deliveries not recorded", metadata: ["count": "\(texts.count + cursors.count)", "error": "\(error)"])
        }
    }
}
