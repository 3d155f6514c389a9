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
final class DeliveryTracker: Sendable {
    /// A private text by id, or a member's cursor in a group.
    private enum Entry {
        case text(Int64)
        case group(GroupCursor)
    }

    private struct State {
        var pending: [(entry: Entry, at: UInt64)] = []
        var flushScheduled = false
    }

    private let store: any Store
    private let logger: Logger
    private let state = Mutex(State())
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
        let (ready, again) = state.withLock { state -> ([Entry], Bool) in
            let split = all ? state.pending.count : state.pending.firstIndex { now < $0.at || now - $0.at < age } ?? state.pending.count
            let ready = state.pending[..<split].map(\.entry)
            state.pending.removeFirst(split)
            state.flushScheduled = !state.pending.isEmpty
            return (ready, state.flushScheduled)
        }
        if again { scheduleFlush(after: interval) }
        guard !ready.isEmpty else { return }
        var texts: [Int64] = []
        var cursors: [GroupCursor] = []
        for entry in ready {
            switch entry {
            case .text(let id): texts.append(id)
            case .group(let cursor): cursors.append(cursor)
            }
        }
        do {
            if !texts.isEmpty { try await store.markDelivered(messageIDs: texts) }
            if !cursors.isEmpty { try await store.markGroupDelivered(cursors) }
        } catch {
            // The messages will be sent again at the next login: a duplicate, never a loss.
            logger.warning("deliveries not recorded", metadata: ["count": "\(ready.count)", "error": "\(error)"])
        }
    }
}
