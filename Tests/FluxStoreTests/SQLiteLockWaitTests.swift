@testable import FluxStore
import FluxTestSupport
import Foundation
import GRDB
import Testing

/// Two connections to one file, as two processes on a host would have: the second writer waits for the
/// first one's lock in short steps, and gives up after its timeout.
@Suite struct SQLiteLockWaitTests {
    private func pools(timeout: Duration, onFirstWait: (@Sendable () -> Void)? = nil) throws -> (DatabasePool, DatabasePool) {
        let path = TestFolder.path("flux-lock") + ".sqlite"
        var configuration = Configuration()
        configuration.busyMode = SQLiteLockWait.busyMode(timeout: timeout, onFirstWait: onFirstWait)
        let first = try DatabasePool(path: path, configuration: configuration)
        try first.write { db in try db.execute(sql: "CREATE TABLE t (x INTEGER)") }
        return (first, try DatabasePool(path: path, configuration: configuration))
    }

    /// Holds `pool`'s write lock on a thread of its own until `release` is signalled.
    private func hold(_ pool: DatabasePool, until release: DispatchSemaphore) {
        let holding = DispatchSemaphore(value: 0)
        Thread {
            try? pool.write { db in
                try db.execute(sql: "INSERT INTO t VALUES (1)")
                holding.signal()
                release.wait()
            }
        }.start()
        holding.wait()
    }

    @Test func aWriterWaitsForTheOtherOnesLock() throws {
        let release = DispatchSemaphore(value: 0)
        // The lock is let go only once the second writer found it taken: it must wait, not fail.
        let (first, second) = try pools(timeout: .seconds(30)) { release.signal() }
        hold(first, until: release)
        try second.write { db in try db.execute(sql: "INSERT INTO t VALUES (2)") }
        #expect(try second.read { db in try Int.fetchAll(db, sql: "SELECT x FROM t ORDER BY x") } == [1, 2])
    }

    @Test func aWriterGivesUpAfterItsTimeout() throws {
        let (first, second) = try pools(timeout: .milliseconds(50))
        let release = DispatchSemaphore(value: 0)
        hold(first, until: release)
        defer { release.signal() }
        #expect(throws: DatabaseError.self) { try second.write { db in try db.execute(sql: "INSERT INTO t VALUES (2)") } }
    }
}
