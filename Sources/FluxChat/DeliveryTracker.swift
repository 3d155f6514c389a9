import FluxStore
import Logging
import Synchronization

/// Marks messages delivered after their frames were written to the recipient's socket, coalescing many
/// into one store write every few milliseconds.
final class DeliveryTracker: Sendable {
    private struct State {
        var pending: [Int64] = []
        var flushScheduled = false
    }

    private let store: any Store
    private let logger: Logger
    private let state = Mutex(State())
    private let delay: Duration

    init(store: any Store, logger: Logger, delay: Duration = .milliseconds(20)) {
        self.store = store
        self.logger = logger
        self.delay = delay
    }

    func delivered(uid: Int64, messageID: Int64) {
        delivered([messageID])
    }

    /// Records that these messages were written to their recipients (called from event loops: it only
    /// queues them, and one task writes them a moment later).
    func delivered(_ messageIDs: [Int64]) {
        let schedule = state.withLock { state -> Bool in
            state.pending.append(contentsOf: messageIDs)
            guard !state.flushScheduled else { return false }
            state.flushScheduled = true
            return true
        }
        guard schedule else { return }
        Task {
            try? await Task.sleep(for: delay)
            await flush()
        }
    }

    /// Records every pending delivery now.
    func flush() async {
        let delivered = state.withLock { state -> [Int64] in
            state.flushScheduled = false
            defer { state.pending = [] }
            return state.pending
        }
        guard !delivered.isEmpty else { return }
        do {
            try await store.markDelivered(messageIDs: delivered)
        } catch {
            // The messages will be sent again at the next login: a duplicate, never a loss.
            logger.warning("deliveries not recorded", metadata: ["count": "\(delivered.count)", "error": "\(error)"])
        }
    }
}
