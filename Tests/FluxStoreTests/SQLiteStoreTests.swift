import FluxStore
import FluxTestSupport
import Foundation
import GRDB
import Testing

/// What is particular to the SQLite store: the file, its mode, its URL and schema checks.
@Suite struct SQLiteStoreTests {
    private func temporaryPath() -> String {
        TestFolder.path("flux-sqlite") + "/flux.sqlite"
    }

    @Test func dataSurvivesReopening() async throws {
        let path = temporaryPath()
        let store = try SQLiteStore(path: path)
        let user = try await store.createUser(NewUser(name: "keep", email: "keep@example.com", passwordHash: "h"))
        try await store.close()
        let reopened = try SQLiteStore(path: path)
        #expect(try await reopened.user(uid: user.uid)?.name == "keep")
        try await reopened.close()
    }

    @Test func usesWriteAheadLogging() async throws {
        let path = temporaryPath()
        let store = try SQLiteStore(path: path)
        try await store.close()
        let mode = try await DatabaseQueue(path: path).read { db in try String.fetchOne(db, sql: "PRAGMA journal_mode") }
        #expect(mode == "wal")
    }

    @Test func refusesASchemaNewerThanTheBinary() async throws {
        let path = temporaryPath()
        try await SQLiteStore(path: path).close()
        try await DatabaseQueue(path: path).write { db in
            try db.execute(sql: "INSERT INTO grdb_migrations (identifier) VALUES ('v999-from-the-future')")
        }
        let error = #expect(throws: StoreError.self) { _ = try SQLiteStore(path: path) }
        #expect(error?.code == .schemaTooNew)
    }

    @Test func createsEveryTable() async throws {
        let path = temporaryPath()
        try await SQLiteStore(path: path).close()
        let tables = try await DatabaseQueue(path: path).read { db in
            try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table'")
        }
        #expect(Set(tables).isSuperset(of: ["users", "friend_requests", "friendships", "conversations", "messages"]))
    }

    @Test func parsesURLs() throws {
        #expect(try StoreURL(parsing: "sqlite:///var/lib/flux/flux.sqlite") == .sqlite(path: "/var/lib/flux/flux.sqlite"))
        #expect(try StoreURL(parsing: "sqlite://./flux-data/flux.sqlite") == .sqlite(path: "./flux-data/flux.sqlite"))
        #expect(try StoreURL(parsing: "sqlite:rel.sqlite") == .sqlite(path: "rel.sqlite"))
        #expect(throws: StoreError.self) { try StoreURL(parsing: "postgres://x") }
        #expect(throws: StoreError.self) { try StoreURL(parsing: "sqlite://") }
    }
}
