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
    private var waiting: [Waiter] = []
    private var writing = false

    init(store: any Store) {
        self.store = store
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
