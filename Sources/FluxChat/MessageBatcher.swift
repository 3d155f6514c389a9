import FluxStore

/// Group commit for texts: while one transaction is being written, new texts gather, and all of them go
/// in the next transaction. Throughput is then not bounded by one transaction per message, and no caller
/// waits longer than about two transactions.
actor MessageBatcher {
    private struct Waiter {
        var messages: [NewMessage]
        var continuation: CheckedContinuation<[StoredMessage], any Error>
    }

    private let store: any Store
    private let deliver: @Sendable ([StoredMessage]) async -> Void
    private var waiting: [Waiter] = []
    private var writing = false

    /// `deliver` gets each committed batch's new messages in id order, before any sender hears back, so
    /// one recipient's notifications are queued in the order the store assigned.
    init(store: any Store, deliver: @escaping @Sendable ([StoredMessage]) async -> Void) {
        self.store = store
        self.deliver = deliver
    }

    /// Stores `messages` (in one transaction with whatever else is waiting) and returns them as stored.
    func append(_ messages: [NewMessage]) async throws -> [StoredMessage] {
        try await withCheckedThrowingContinuation { continuation in
            waiting.append(Waiter(messages: messages, continuation: continuation))
            if !writing {
                writing = true
                Task { await self.writeLoop() }
            }
        }
    }

    private func writeLoop() async {
        while !waiting.isEmpty {
            let batch = waiting
            waiting = []
            do {
                var stored = try await store.appendMessages(batch.flatMap(\.messages))[...]
                await deliver(stored.filter { !$0.isDuplicate })
                for waiter in batch {
                    waiter.continuation.resume(returning: Array(stored.prefix(waiter.messages.count)))
                    stored = stored.dropFirst(waiter.messages.count)
                }
            } catch {
                for waiter in batch { waiter.continuation.resume(throwing: error) }
            }
        }
        writing = false
    }
}
