@testable import FluxStore
import FluxTestSupport
import Foundation
import GRDB
import Testing

/// SQLite's write-ahead log is copied back when the commit thread is idle, past `idlePages`, and inside
/// a commit only past `forcedPages`; the backlog index holds undelivered texts only.
@Suite struct SQLiteCheckpointTests {
    private func temporaryPath() -> String {
        TestFolder.path("flux-wal") + "/flux.sqlite"
    }

    /// Ten texts of 3,000 characters: a commit of several pages.
    private func texts(_ round: Int) -> [NewMessage] {
        (0..<10).map { NewMessage(fromUID: 1, toUID: 2, clientMsgID: "r\(round)-\($0)", content: String(repeating: "x", count: 3_000)) }
    }

    @Test func anIdleWriterCopiesTheLogOncePastItsThreshold() throws {
        let store = try SQLiteStore(path: temporaryPath())
        #expect(!store.checkpointIfDue(), "a log of the migrations only is not copied")
        var rounds = 0
        while !store.checkpoints.isDue {
            _ = try store.appendMessagesBlocking(texts(rounds), markingDelivered: [])
            rounds += 1
            try #require(rounds < 200, "the log never reached \(store.checkpoints.idlePages) pages")
        }
        #expect(store.checkpointIfDue())
        #expect(!store.checkpointIfDue(), "copied once; nothing new since")
        // All of it was copied, so the log started over: one more commit is far from the threshold.
        _ = try store.appendMessagesBlocking(texts(rounds), markingDelivered: [])
        #expect(!store.checkpoints.isDue)
    }

    @Test func aWriterThatIsNeverIdleStillBoundsTheLog() throws {
        let path = temporaryPath()
        let store = try SQLiteStore(path: path)
        // About 3,000 pages, with no idle moment: commits copy the log past `forcedPages`.
        for round in 0..<400 {
            _ = try store.appendMessagesBlocking(texts(round), markingDelivered: [])
        }
        let walBytes = try FileManager.default.attributesOfItem(atPath: path + "-wal")[.size] as? Int ?? 0
        let bound = Int(store.checkpoints.forcedPages + 100) * 4_120
        #expect(walBytes <= bound, "the log grew to \(walBytes) bytes (bound \(bound))")
    }

    /// GRDB turns WAL on with `synchronous = NORMAL` after the store's own set-up: the store puts FULL back.
    @Test(arguments: [true, false])
    func theWriterSyncsEveryCommitUnlessToldNotTo(_ full: Bool) throws {
        let store = try SQLiteStore(path: temporaryPath(), synchronousFull: full)
        let level = try store.pool.writeWithoutTransaction { db in try Int.fetchOne(db, sql: "PRAGMA synchronous") }
        #expect(level == (full ? 2 : 1), "FULL is 2, NORMAL 1")
    }

    @Test func theBacklogIndexHoldsUndeliveredTextsOnly() async throws {
        let store = try SQLiteStore(path: temporaryPath())
        let stored = try await store.appendMessages(texts(0))
        try await store.markDelivered(messageIDs: stored.prefix(4).map(\.id))
        let (definition, entries, plan) = try await store.pool.read { db in
            (try String.fetchOne(db, sql: "SELECT sql FROM sqlite_master WHERE name = 'messages_undelivered'") ?? "",
             try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM messages INDEXED BY messages_undelivered WHERE delivered = 0") ?? -1,
             try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN SELECT * FROM messages WHERE to_uid = 2 AND delivered = 0 AND id > 0 ORDER BY id LIMIT 10")
                .map { $0["detail"] as String }.joined(separator: "; "))
        }
        #expect(definition.hasSuffix("WHERE delivered = 0"), "a partial index: \(definition)")
        #expect(entries == 6)
        #expect(plan.contains("messages_undelivered"), "the backlog query uses the index: \(plan)")
        #expect(try await store.undeliveredMessages(to: 2, after: 0, limit: 100).map(\.id) == stored.dropFirst(4).map(\.id))
    }
}
