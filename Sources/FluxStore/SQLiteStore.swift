import Foundation
import GRDB

/// The embedded `Store`: one SQLite file in WAL mode through GRDB.
///
/// GRDB runs every database access on its own serial writer queue and reader pool, so the blocking
/// SQLite calls never run on an event loop or the cooperative pool.
public final class SQLiteStore: Store {
    let pool: DatabasePool

    /// When the WAL is copied back into the database. Inside a commit the copy stalls every text queued
    /// behind it (SQLite's default of 1,000 pages made a 5 ms stall every 30 ms at 10,000 texts a
    /// second), so the chat node's commit thread copies it when idle, past 100 pages; a commit copies it
    /// only past 1,000 (SQLite's default), when the writer is never idle. Checkpointing from another
    /// thread and connection measured worse (`docs/benchmarks.md`).
    let checkpoints = WALCheckpoints(idlePages: 100, forcedPages: 1_000)

    /// Opens (creating if needed) the database at `path` and, unless `migrate` is false, applies pending
    /// migrations. Refuses a database whose schema is newer than this binary.
    /// With `synchronousFull` false (`PRAGMA synchronous = NORMAL`), a commit is not flushed to disk
    /// before it returns: it survives a crash of the process but not of the machine (power loss).
    public init(path: String, migrate: Bool = true, synchronousFull: Bool = true) throws(StoreError) {
        do {
            let folder = (path as NSString).deletingLastPathComponent
            if !folder.isEmpty {
                try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            }
            var configuration = Configuration()
            // Several processes may share one file on a host; wait for their locks instead of failing.
            configuration.busyMode = SQLiteLockWait.busyMode()
            let checkpoints = self.checkpoints
            configuration.prepareDatabase { db in
                try db.execute(sql: "PRAGMA foreign_keys = ON")
                if !db.configuration.readonly { checkpoints.install(on: db) }
            }
            pool = try DatabasePool(path: path, configuration: configuration)
            // GRDB sets NORMAL when it turns WAL on, after `prepareDatabase`: put FULL back on the writer,
            // or an acknowledged text could be lost with the machine.
            if synchronousFull { try pool.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA synchronous = FULL") } }
        } catch {
            throw StoreError(.unavailable, "cannot open SQLite database at \(path): \(error)")
        }
        try migrateSchema(apply: migrate)
    }

    public func migrationStatus() async throws(StoreError) -> (applied: [String], pending: [String]) {
        do {
            let applied = try await pool.read { db in try Schema.migrator.appliedIdentifiers(db) }
            return (Schema.migrationNames.filter(applied.contains) + applied.subtracting(Schema.migrationNames).sorted(),
                    Schema.migrationNames.filter { !applied.contains($0) })
        } catch {
            throw Self.map(error)
        }
    }

    private func migrateSchema(apply: Bool) throws(StoreError) {
        do {
            let applied = try pool.read { db in try Schema.migrator.appliedIdentifiers(db) }
            let unknown = applied.subtracting(Schema.migrationNames)
            guard unknown.isEmpty else {
                throw StoreError(.schemaTooNew, "database schema has migrations this binary does not know: \(unknown.sorted())")
            }
            if apply { try Schema.migrator.migrate(pool) }
        } catch let error as StoreError {
            throw error
        } catch {
            throw StoreError(.unavailable, "migration failed: \(error)")
        }
    }

    public func createUser(_ user: NewUser) async throws(StoreError) -> User {
        let now = Self.now()
        return try await write { db in
            var record = UserRecord(user, createdAt: now)
            try record.insert(db)
            return record.user
        }
    }

    public func user(uid: Int64) async throws(StoreError) -> User? {
        try await read { db in try UserRecord.fetchOne(db, key: uid)?.user }
    }

    public func user(email: String) async throws(StoreError) -> User? {
        try await read { db in
            try UserRecord.filter(Column("email").collating(.nocase) == email).fetchOne(db)?.user
        }
    }

    public func user(name: String) async throws(StoreError) -> User? {
        let key = UserNameKey.key(for: name)
        // The exact name first: it decides between look-alikes that existed before names had keys.
        return try await read { db in
            try UserRecord.fetchOne(
                db, sql: "SELECT * FROM users WHERE name = ? OR name_key = ? ORDER BY name = ? DESC LIMIT 1",
                arguments: [name, key, name])?.user
        }
    }

    public func updatePasswordHash(uid: Int64, to hash: String) async throws(StoreError) -> Bool {
        try await write { db in
            try db.execute(sql: "UPDATE users SET password_hash = ? WHERE uid = ?", arguments: [hash, uid])
            return db.changesCount > 0
        }
    }

    /// Copies the live database to a new file at `path` with SQLite's online backup (writers keep going).
    public func backup(to path: String) async throws(StoreError) {
        let pool = self.pool
        do {
            try await Self.offTheCooperativePool {
                let destination = try DatabaseQueue(path: path)
                try pool.backup(to: destination)
                try destination.close()
            }
        } catch {
            throw StoreError(.unavailable, "backup to \(path) failed: \(error)")
        }
    }

    public func userCount() async throws(StoreError) -> Int {
        try await read { db in try UserRecord.fetchCount(db) }
    }

    public func close() async throws(StoreError) {
        let pool = self.pool
        do {
            try await Self.offTheCooperativePool { try pool.close() }
        } catch {
            throw StoreError(.unavailable, "close failed: \(error)")
        }
    }

    /// Runs a blocking GRDB call (close, backup) off the cooperative pool. There it would hold a thread
    /// while GRDB waits for reads in flight, and those need a pool thread to finish: two stores closing at
    /// once on a 2-core machine deadlocked there. A serial queue of its own per call: libdispatch makes
    /// serial queues overcommit (a thread even when the pool's are all busy; a concurrent queue would
    /// share the pool's width), and a long backup never holds up another store's close.
    static func offTheCooperativePool(_ body: @escaping @Sendable () throws -> Void) async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            DispatchQueue(label: "flux.sqlite.blocking").async {
                continuation.resume(with: Result { try body() })
            }
        }
    }

    // MARK: - Error mapping

    func read<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws(StoreError) -> T {
        do {
            return try await pool.read(body)
        } catch {
            throw Self.map(error)
        }
    }

    func write<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws(StoreError) -> T {
        do {
            return try await pool.write(body)
        } catch {
            throw Self.map(error)
        }
    }

    static func map(_ error: any Error) -> StoreError {
        if let error = error as? StoreError { return error }
        if let error = error as? DatabaseError, error.extendedResultCode == .SQLITE_CONSTRAINT_UNIQUE {
            let message = error.message ?? ""
            // "users.name" also covers "users.name_key": a look-alike of a taken name is a taken name.
            let field = message.contains("users.email") ? "email" : message.contains("users.name") ? "name" : nil
            return StoreError(.duplicate, field: field, "unique constraint: \(message)")
        }
        return StoreError(.unavailable, "\(error)")
    }
}
