import FluxStore
import Logging

/// Marks messages delivered after their frames were written to the recipient's socket, coalescing many
/// into one store write every few milliseconds.
actor DeliveryTracker {
    private let store: any Store
    private let logger: Logger
    private var pending: [Int64] = []
    private var flushScheduled = false
    private let delay: Duration

    init(store: any Store, logger: Logger, delay: Duration = .milliseconds(20)) {
        self.store = store
        self.logger = logger
        self.delay = delay
    }

    func delivered(uid: Int64, messageID: Int64) {
        delivered([messageID])
    }

    /// Records that these messages were written to their recipients.
    func delivered(_ messageIDs: [Int64]) {
        pending.append(contentsOf: messageIDs)
        guard !flushScheduled else { return }
        flushScheduled = true
        Task {
            try? await Task.sleep(for: delay)
            await flush()
        }
    }

    /// Records every pending delivery now.
    func flush() async {
        flushScheduled = false
        let delivered = pending
        pending = []
        guard !delivered.isEmpty else { return }
        do {
            try await store.markDelivered(messageIDs: delivered)
        } catch {
            // The messages will be sent again at the next login: a duplicate, never a loss.
            logger.warning("deliveries not recorded", metadata: ["count": "\(delivered.count)", "error": "\(error)"])
        }
    }
}
