import Foundation
import FluxStore
import Synchronization

/// The batcher of private texts (1017).
typealias MessageBatcher = CommitBatcher<NewMessage, StoredMessage>
/// The batcher of group texts (1133).
typealias GroupTextBatcher = CommitBatcher<NewGroupMessage, GroupAppendOutcome>

/// Group commit for texts: while one transaction is being written, new texts gather, and all of them go
/// in the next transaction. Throughput is then not bounded by one transaction per message.
///
/// A store that can commit on the calling thread (SQLite) gets a thread of its own (`.blocking`): the
/// transaction runs there without a hop to the store's queue and back, and the same thread then delivers
/// the batch and answers its senders (delivery only queues frames on event loops), with no hop to a
/// finisher either. A store that commits over the network (`.async`) is pipelined instead: as soon as a
/// transaction is committed the next one starts, while a finisher task delivers and answers the committed
/// batch (in commit order).
///
/// Callers either await the commit (`append`) or hand over a completion (`enqueue`, synchronous: it can
/// be called on an event loop) and go on reading: completions run in submission order once their batch
/// is committed and delivered, so one connection's 1018s keep the order of its 1017s, and a recipient's
/// 1019s come in store order.
final class CommitBatcher<Item: Sendable, Stored: Sendable>: Sendable {
    typealias Completion = @Sendable (Result<[Stored], any Error>) -> Void

    /// How a batch is committed: one transaction, one outcome per item, in order.
    enum Committer: Sendable {
        /// Awaited in a task (stores that run their own threads, such as MariaDB's pool).
        case async(@Sendable ([Item]) async throws -> [Stored])
        /// Called on the batcher's own thread, which it blocks for the transaction; `idle` runs there
        /// when no batch waits (the store's upkeep: only texts that arrive during it wait for it).
        case blocking(@Sendable ([Item]) throws -> [Stored], idle: @Sendable () -> Void = {})
    }

    private struct Waiter {
        var messages: [Item]
        var completion: Completion
    }

    /// A committed (or failed) batch on its way to delivery and acknowledgement.
    private struct Committed: Sendable {
        var completions: [(count: Int, completion: Completion)]
        var result: Result<[Stored], any Error>
    }

    private struct State {
        var waiting: [Waiter] = []
        var writing = false
        /// Batches committed and not yet finished (delivered and acknowledged).
        var unfinished = 0
        var finishWaiters: [CheckedContinuation<Void, Never>] = []
    }

    private let committer: Committer
    private let deliver: @Sendable ([Stored]) -> Void
    private let state = Mutex(State())
    /// The finisher task's queue; only an `.async` committer has one.
    private let finished: AsyncStream<Committed>.Continuation?
    /// Wakes the commit thread of a `.blocking` committer when texts wait and it is idle.
    private let wake = DispatchSemaphore(value: 0)

    /// `commit` stores one batch in one transaction (one outcome per item, in order); `deliver` gets each
    /// committed batch's outcomes before any sender hears back, so one recipient's notifications are
    /// queued in the order the store assigned.
    convenience init(commit: @escaping @Sendable ([Item]) async throws -> [Stored], deliver: @escaping @Sendable ([Stored]) -> Void) {
        self.init(committer: .async(commit), deliver: deliver)
    }

    init(committer: Committer, deliver: @escaping @Sendable ([Stored]) -> Void) {
        self.committer = committer
        self.deliver = deliver
        switch committer {
        case .blocking:
            finished = nil
            let wake = self.wake
            let thread = Thread { [weak self] in
                while true {
                    wake.wait()
                    // Gone: `deinit` signalled to end the thread.
                    guard let self else { return }
                    self.commitOnThisThread()
                }
            }
            thread.name = "flux.commit"
            thread.start()
        case .async:
            let (committed, finished) = AsyncStream.makeStream(of: Committed.self)
            self.finished = finished
            // The finisher: delivers each committed batch, then answers its senders, in commit order
            // (even once the batcher is gone: every caller hears back).
            Task { [weak self] in
                for await batch in committed {
                    Self.finish(batch, deliver: deliver)
                    self?.batchFinished()
                }
            }
        }
    }

    /// Delivers a committed batch, then answers its senders in submission order.
    private static func finish(_ batch: Committed, deliver: @Sendable ([Stored]) -> Void) {
        switch batch.result {
        case .success(let all):
            deliver(all)
            var stored = all[...]
            for waiter in batch.completions {
                waiter.completion(.success(Array(stored.prefix(waiter.count))))
                stored = stored.dropFirst(waiter.count)
            }
        case .failure(let error):
            for waiter in batch.completions { waiter.completion(.failure(error)) }
        }
    }

    private func batchFinished() {
        let released = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.unfinished -= 1
            defer { state.finishWaiters = [] }
            return state.finishWaiters
        }
        for waiter in released { waiter.resume() }
    }

    deinit {
        finished?.finish()
        wake.signal()
        // Texts queued after the commit thread's last pass (it ends with the batcher): their callers
        // hear that nothing was stored.
        let stranded = state.withLock { $0.waiting }
        for waiter in stranded { waiter.completion(.failure(CancellationError())) }
    }

    /// Stores `messages` (in one transaction with whatever else is waiting) and returns them as stored.
    func append(_ messages: [Item]) async throws -> [Stored] {
        try await withCheckedThrowingContinuation { continuation in
            enqueue(messages) { continuation.resume(with: $0) }
        }
    }

    /// Queues `messages` for the next transaction; `completion` hears the outcome after the commit.
    func enqueue(_ messages: [Item], completion: @escaping Completion) {
        let start = state.withLock { state -> Bool in
            state.waiting.append(Waiter(messages: messages, completion: completion))
            guard !state.writing else { return false }
            state.writing = true
            return true
        }
        guard start else { return }
        switch committer {
        case .async(let commit): Task { await self.commitInTask(commit) }
        case .blocking: wake.signal()
        }
    }

    /// Returns once the batch being written now (or the next one) has been committed and acknowledged: a
    /// reader with many texts in flight waits here, so one connection cannot queue without bound.
    func waitForCommit() async {
        await withCheckedContinuation { continuation in
            let now = state.withLock { state -> Bool in
                guard state.writing || state.unfinished > 0 else { return true }
                state.finishWaiters.append(continuation)
                return false
            }
            if now { continuation.resume() }
        }
    }

    private func commitInTask(_ commit: @Sendable ([Item]) async throws -> [Stored]) async {
        while let batch = nextBatch() {
            let result: Result<[Stored], any Error>
            do {
                result = .success(try await commit(batch.flatMap(\.messages)))
            } catch {
                result = .failure(error)
            }
            committed(batch, result)
        }
    }

    private func commitOnThisThread() {
        guard case .blocking(let commit, let idle) = committer else { return }
        while let batch = nextBatch() {
            committed(batch, Result { try commit(batch.flatMap(\.messages)) })
        }
        // Texts that came after the last pass went idle are committed first (the thread is woken again).
        if state.withLock({ $0.waiting.isEmpty }) { idle() }
    }

    /// Everything waiting, or nil (and not writing any more) when nothing is. Going idle with every batch
    /// finished releases whoever waits in `waitForCommit`: one may have come in after the last batch
    /// finished, while the writer was still looking for more.
    private func nextBatch() -> [Waiter]? {
        let (batch, released) = state.withLock { state -> ([Waiter]?, [CheckedContinuation<Void, Never>]) in
            guard !state.waiting.isEmpty else {
                state.writing = false
                guard state.unfinished == 0 else { return (nil, []) }
                defer { state.finishWaiters = [] }
                return (nil, state.finishWaiters)
            }
            defer { state.waiting = [] }
            return (state.waiting, [])
        }
        for waiter in released { waiter.resume() }
        return batch
    }

    /// Finishes a committed (or failed) batch: on the commit thread itself (a blocking committer: delivery
    /// only queues frames, so the next commit waits little, and no hop to a finisher task is paid per
    /// batch), or through the finisher task (an async committer's commit awaits the network meanwhile).
    private func committed(_ batch: [Waiter], _ result: Result<[Stored], any Error>) {
        state.withLock { $0.unfinished += 1 }
        let committed = Committed(completions: batch.map { ($0.messages.count, $0.completion) }, result: result)
        if let finished {
            finished.yield(committed)
        } else {
            Self.finish(committed, deliver: deliver)
            batchFinished()
        }
    }
}
