@testable import FluxChat
import FluxTestSupport
import Synchronization
import Testing

/// Group commit on the batcher's own thread (`.blocking`) and in a task (`.async`): every item is
/// committed once, each caller hears back about exactly its items, one caller's completions keep its
/// order, and a failed commit fails every caller of that batch.
@Suite struct CommitBatcherTests {
    enum Mode: String, CaseIterable, CustomStringConvertible {
        case blocking, async
        var description: String { rawValue }
    }

    struct CommitFailed: Error {}

    /// What the commits stored, in commit order.
    final class Committed: Sendable {
        let items = Mutex<[Int]>([])
    }

    /// Completions a caller still waits for.
    final class Remaining: Sendable {
        let count: Atomic<Int>
        init(_ count: Int) { self.count = Atomic(count) }
    }

    /// What each caller heard back, by caller.
    final class Heard: Sendable {
        let byCaller = Mutex<[Int: [Int]]>([:])
    }

    private func batcher(_ mode: Mode, failOn poison: Int? = nil, committed: Committed) -> CommitBatcher<Int, Int> {
        let commit: @Sendable ([Int]) throws -> [Int] = { items in
            if let poison, items.contains(poison) { throw CommitFailed() }
            committed.items.withLock { $0.append(contentsOf: items) }
            return items.map { $0 * 10 }
        }
        switch mode {
        case .blocking: return CommitBatcher(committer: .blocking(commit)) { _ in }
        case .async: return CommitBatcher(committer: .async { try commit($0) }) { _ in }
        }
    }

    @Test(arguments: Mode.allCases)
    func everyCallerHearsAboutItsOwnItemsInItsOrder(_ mode: Mode) async throws {
        let committed = Committed()
        let batcher = batcher(mode, committed: committed)
        let callers = 8, perCaller = 50
        let heard = Heard()
        await withTaskGroup(of: Void.self) { group in
            for caller in 0..<callers {
                group.addTask {
                    await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
                        let left = Remaining(perCaller)
                        for index in 0..<perCaller {
                            let item = caller * 1000 + index
                            batcher.enqueue([item]) { result in
                                heard.byCaller.withLock { $0[caller, default: []].append(contentsOf: (try? result.get()) ?? [-1]) }
                                if left.count.subtract(1, ordering: .relaxed).newValue == 0 { done.resume() }
                            }
                        }
                    }
                }
            }
        }
        #expect(committed.items.withLock { $0.count } == callers * perCaller)
        for caller in 0..<callers {
            #expect(heard.byCaller.withLock { $0[caller] } == (0..<perCaller).map { (caller * 1000 + $0) * 10 })
        }
    }

    @Test(arguments: Mode.allCases)
    func aFailedCommitFailsItsCallersAndTheNextOneCommits(_ mode: Mode) async throws {
        let committed = Committed()
        let batcher = batcher(mode, failOn: 666, committed: committed)
        await #expect(throws: CommitFailed.self) { try await batcher.append([666]) }
        #expect(try await batcher.append([1, 2]) == [10, 20])
        #expect(committed.items.withLock { $0 } == [1, 2])
    }
}

/// The blocking committer's idle upkeep: it runs on the commit thread once no batch waits.
@Suite struct CommitBatcherIdleTests {
    final class Events: Sendable {
        let idleRuns = Atomic<Int>(0)
    }

    @Test func theIdleUpkeepRunsWhenNoBatchWaits() async throws {
        let events = Events()
        let batcher = CommitBatcher<Int, Int>(committer: .blocking({ items in items }, idle: {
            events.idleRuns.add(1, ordering: .relaxed)
        })) { _ in }
        let before = events.idleRuns.load(ordering: .relaxed)
        #expect(before == 0, "no upkeep before any commit")
        for round in 1...5 {
            #expect(try await batcher.append([round]) == [round])
            #expect(await eventually { events.idleRuns.load(ordering: .relaxed) >= round }, "upkeep after commit \(round)")
        }
    }
}
