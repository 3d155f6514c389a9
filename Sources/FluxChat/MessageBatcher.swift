import FluxStore

/// Group commit for texts: while one transaction is being written, new texts gather, and all of them go
/// in the next transaction. Throughput is then not bounded by one transaction per message, and no caller
/// waits longer than about two transactions.
///
/// Callers either await the commit (`append`) or hand over a completion (`enqueue`) and go on reading:
/// completions run in submission order once their batch is committed and delivered, so one
/// connection's 1018s keep the order of its 1017s.
actor MessageBatcher {
    typealias Completion = @Sendable (Result<[StoredMessage], any Error>) -> Void

    private struct Waiter {
        var messages: [NewMessage]
        var completion: Completion
    }

    private let store: any Store
    private let deliver: @Sendable ([StoredMessage]) async -> Void
    private var waiting: [Waiter] = []
    private var writing = false
    private var commitWaiters: [CheckedContinuation<Void, Never>] = []

    /// `deliver` gets each committed batch's new messages in id order, before any sender hears back, so
    /// one recipient's notifications are queued in the order the store assigned.
    init(store: any Store, deliver: @escaping @Sendable ([StoredMessage]) async -> Void) {
        self.store = store
        self.deliver = deliver
    }

    /// Stores `messages` (in one transaction with whatever else is waiting) and returns them as stored.
    func append(_ messages: [NewMessage]) async throws -> [StoredMessage] {
        try await withCheckedThrowingContinuation { continuation in
            enqueue(messages) { continuation.resume(with: $0) }
        }
    }

    /// Queues `messages` for the next transaction; `completion` hears the outcome after the commit.
    func enqueue(_ messages: [NewMessage], completion: @escaping Completion) {
        waiting.append(Waiter(messages: messages, completion: completion))
        if !writing {
            writing = true
            Task { await self.writeLoop() }
        }
    }

    /// Returns once the batch being written now (or the next one) has completed: a reader with many texts
    /// in flight waits here, so one connection cannot queue without bound.
    func waitForCommit() async {
        guard writing else { return }
        await withCheckedContinuation { commitWaiters.append($0) }
    }

    private func writeLoop() async {
        while !waiting.isEmpty {
            let batch = waiting
            waiting = []
            do {
                var stored = try await store.appendMessages(batch.flatMap(\.messages))[...]
                await deliver(stored.filter { !$0.isDuplicate })
                for waiter in batch {
                    waiter.completion(.success(Array(stored.prefix(waiter.messages.count))))
                    stored = stored.dropFirst(waiter.messages.count)
                }
            } catch {
                for waiter in batch { waiter.completion(.failure(error)) }
            }
            let released = commitWaiters
            commitWaiters = []
            for waiter in released { waiter.resume() }
        }
        writing = false
    }
}
