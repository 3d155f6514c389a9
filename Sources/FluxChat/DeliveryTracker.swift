import FluxStore
import Logging

/// Moves users' delivery cursors after their messages were written to the socket, coalescing many
/// deliveries into one store write per user every few milliseconds.
actor DeliveryTracker {
    private let store: any Store
    private let logger: Logger
    private var pending: [Int64: Int64] = [:]
    private var flushScheduled = false
    private let delay: Duration

    init(store: any Store, logger: Logger, delay: Duration = .milliseconds(20)) {
        self.store = store
        self.logger = logger
        self.delay = delay
    }

    func delivered(uid: Int64, messageID: Int64) {
        pending[uid] = max(pending[uid] ?? 0, messageID)
        guard !flushScheduled else { return }
        flushScheduled = true
        Task {
            try? await Task.sleep(for: delay)
            await flush()
        }
    }

    /// Writes every pending cursor now.
    func flush() async {
        flushScheduled = false
        let cursors = pending
        pending = [:]
        for (uid, messageID) in cursors {
            do {
                try await store.markDelivered(uid: uid, upTo: messageID)
            } catch {
                // The messages will be sent again at the next login: a duplicate, never a loss.
                logger.warning("delivery cursor not saved", metadata: ["uid": "\(uid)", "error": "\(error)"])
            }
        }
    }
}
