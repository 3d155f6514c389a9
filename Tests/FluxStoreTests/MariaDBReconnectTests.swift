import FluxTestSupport
@testable import FluxStore
import Foundation
import Synchronization
import Testing

/// Connections that die while idle in the pool (issue 12 item 7): they are replaced and the call run
/// again when that cannot apply a change twice. Connections are killed with KILL on the test server.
@Suite struct MariaDBReconnectTests {
    @Test func errorsAreClassifiedByNumberNotText() {
        for code: UInt32 in [2002, 2003, 2006, 2013, 2055, 4031, 1927, 1053] {
            #expect(StoreError.mariaDB(code: code, message: "anything").mariaDBKind == .connectionLost)
        }
        #expect(StoreError.mariaDB(code: 2014, message: "MariaDB error 1213: not a deadlock").mariaDBKind == .clientFailure)
        #expect(StoreError.mariaDB(code: 1213, message: "").mariaDBKind == .lockConflict)
        #expect(StoreError.mariaDB(code: 1205, message: "").mariaDBKind == .lockConflict)
        #expect(StoreError.mariaDB(code: 1064, message: "Deadlock found").mariaDBKind == .other)
        // A message that merely looks like a deadlock, without a number, is no deadlock.
        #expect(StoreError(.unavailable, "MariaDB error 1213: lookalike").mariaDBKind == .other)
        let duplicate = StoreError.mariaDB(code: 1062, message: "Duplicate entry '1-2-x' for key 'messages_msgid'")
        #expect(duplicate.code == .duplicate && duplicate.field == "msgid" && duplicate.serverCode == 1062)
        // The key is read from the end of the text: a value that contains another key's name is no clue.
        let email = StoreError.mariaDB(code: 1062, message: "Duplicate entry 'users_name'@x' for key 'users.users_email'")
        #expect(email.field == "email")
    }

    @Test func aReadRunsAgainOnAFreshConnection() async throws {
        let server = try await TestMariaDB.make()
        let pool = MariaDBPool(url: server.url, threads: 1)
        let first = try await pool.run(.readOnly) { connection throws(StoreError) in try connection.connectionID() }
        try server.kill(first)
        let second = try await pool.run(.readOnly) { connection throws(StoreError) in try connection.connectionID() }
        #expect(second != first)
        await pool.shutdown()
    }

    @Test func aWriteFoundDeadBeforeItsExecuteRunsAgain() async throws {
        let server = try await TestMariaDB.make()
        let pool = MariaDBPool(url: server.url, threads: 1)
        _ = try await pool.run(.unlessSent) { connection throws(StoreError) in
            try connection.execute("CREATE TABLE t (id INT NOT NULL PRIMARY KEY AUTO_INCREMENT, v INT)")
        }
        try server.kill(try await pool.run(.readOnly) { connection throws(StoreError) in try connection.connectionID() })
        let calls = Atomic<Int>(0)
        _ = try await pool.run(.unlessSent) { connection throws(StoreError) in
            calls.add(1, ordering: .relaxed)
            return try connection.execute("INSERT INTO t (v) VALUES (1)")
        }
        #expect(calls.load(ordering: .relaxed) == 2, "found dead at the prepare, then run again")
        #expect(try await server.rowCount(pool) == 1)
        await pool.shutdown()
    }

    @Test func aWriteWhoseExecuteWasSentIsReportedNotRepeated() async throws {
        let server = try await TestMariaDB.make()
        let pool = MariaDBPool(url: server.url, threads: 1)
        _ = try await pool.run(.unlessSent) { connection throws(StoreError) in
            try connection.execute("CREATE TABLE t (id INT NOT NULL PRIMARY KEY AUTO_INCREMENT, v INT)")
        }
        // The connection dies after the INSERT was executed and before the next statement: running the
        // call again would insert twice.
        let calls = Atomic<Int>(0)
        let error = await #expect(throws: StoreError.self) {
            _ = try await pool.run(.unlessSent) { connection throws(StoreError) in
                calls.add(1, ordering: .relaxed)
                _ = try connection.execute("INSERT INTO t (v) VALUES (1)")
                try server.kill(try connection.connectionID())
                return try connection.execute("INSERT INTO t (v) VALUES (2)")
            }
        }
        #expect(error?.mariaDBKind == .connectionLost)
        #expect(calls.load(ordering: .relaxed) == 1)
        #expect(try await server.rowCount(pool) == 1)
        // The same shape of call that only reads is run again whole.
        let reads = Atomic<Int>(0)
        let id = try await pool.run(.readOnly) { connection throws(StoreError) in
            let id = try connection.connectionID()
            if reads.add(1, ordering: .relaxed).newValue == 1 { try server.kill(id) }
            return try connection.connectionID()
        }
        #expect(reads.load(ordering: .relaxed) == 2 && id > 0)
        await pool.shutdown()
    }

    @Test func storeCallsSucceedOnTheirFirstTryAfterTheirConnectionsDied() async throws {
        let server = try await TestMariaDB.make()
        let store = try await MariaDBStore(url: server.url, connections: 2)
        let (name, email) = uniqueUser()
        let ann = try await store.createUser(NewUser(name: name, email: email, passwordHash: "h"))
        try server.killAll()
        #expect(try await store.user(email: email)?.uid == ann.uid, "a read")
        try server.killAll()
        let other = uniqueUser()
        let bob = try await store.createUser(NewUser(name: other.name, email: other.email, passwordHash: "h"))
        #expect(bob.uid > ann.uid, "a write found dead at its prepare")
        try server.killAll()
        let stored = try await store.appendMessages([NewMessage(fromUID: ann.uid, toUID: bob.uid, clientMsgID: "m1", content: "hi")])
        #expect(stored.map(\.seq) == [1], "a transaction found dead at START TRANSACTION")
        try server.killAll()
        #expect(try await store.messageCount() == 1)
        try await store.close()
    }
}

/// A fresh database on the test server (`FLUX_TEST_MARIADB_URL`), and an admin connection that kills
/// the connections to it.
struct TestMariaDB: Sendable {
    let url: MariaDBURL
    let admin: MariaDBConnection

    static func make() async throws -> TestMariaDB {
        guard let base = ProcessInfo.processInfo.environment["FLUX_TEST_MARIADB_URL"], var url = try? MariaDBURL(parsing: base) else {
            throw MissingServer("FLUX_TEST_MARIADB_URL is not set: these tests need a real MariaDB server (make test starts one)")
        }
        url.database = "flux_r\(UUID().uuidString.prefix(8).lowercased())"
        try await MariaDBStore.createDatabase(url)
        var adminURL = url
        adminURL.database = "information_schema"
        return TestMariaDB(url: url, admin: MariaDBConnection(url: adminURL))
    }

    /// Kills connection `id` and waits until the server has let it go.
    func kill(_ id: Int64) throws(StoreError) {
        _ = try admin.execute("KILL CONNECTION \(id)")
        _ = try eventuallyBlocking(within: .seconds(1)) { () throws(StoreError) -> Bool in
            try admin.execute("SELECT 1 FROM PROCESSLIST WHERE ID = ?", [.int(id)]).rows.isEmpty
        }
    }

    /// Kills every connection to this database.
    func killAll() throws {
        let rows = try admin.execute("SELECT ID FROM PROCESSLIST WHERE DB = ?", [.text(url.database)]).rows
        #expect(!rows.isEmpty, "the store keeps connections open")
        for row in rows { try kill(try row.int(0)) }
    }

    func rowCount(_ pool: MariaDBPool) async throws -> Int64 {
        try await pool.run(.readOnly) { connection throws(StoreError) in
            try connection.execute("SELECT COUNT(*) FROM t").single().int(0)
        }
    }
}

extension MariaDBConnection {
    func connectionID() throws(StoreError) -> Int64 {
        try execute("SELECT CONNECTION_ID()").single().int(0)
    }
}
