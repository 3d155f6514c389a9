@testable import FluxStore
import FluxTestSupport
import Foundation
import GRDB
import Testing

/// User names are unique ignoring case and Unicode look-alike forms, decided by the database, and
/// databases made before that rule get it by migration.
@Suite struct StoreUserNameTests {
    @Test(arguments: StoreBackend.allCases)
    func lookAlikeOfATakenNameIsADuplicateName(_ backend: StoreBackend) async throws {
        let store = try await backend.make()
        let (name, email) = uniqueUser("Zoë")
        let zoe = try await store.createUser(NewUser(name: name, email: email, passwordHash: "h"))
        let decomposed = name.replacingOccurrences(of: "ë", with: "e\u{0308}")
        let lookAlikes = [name.uppercased(), name.lowercased(), decomposed, " \(name)", "\u{200B}" + name, name.replacingOccurrences(of: "-", with: "－")]
        for (index, lookAlike) in lookAlikes.enumerated() {
            let error = await #expect(throws: StoreError.self, "\(lookAlike.unicodeScalars.map { $0.value })") {
                _ = try await store.createUser(NewUser(name: lookAlike, email: "\(index)-\(email)", passwordHash: "h"))
            }
            #expect(error?.code == .duplicate && error?.field == "name")
            // And each of them finds the one account.
            #expect(try await store.user(name: lookAlike)?.uid == zoe.uid)
        }
        #expect(try await store.userCount() == 1)
        try await store.close()
    }

    @Test(arguments: StoreBackend.allCases)
    func concurrentLookAlikeRegistrationsCreateOneUser(_ backend: StoreBackend) async throws {
        let store = try await backend.make()
        let (name, email) = uniqueUser("race")
        let variants = [name, name.uppercased(), name.capitalized, "\(name) ", "Ｒ" + name.dropFirst()]
        let outcomes = await withTaskGroup(of: StoreError?.self) { group in
            for (index, variant) in variants.enumerated() {
                group.addTask {
                    do throws(StoreError) {
                        _ = try await store.createUser(NewUser(name: variant, email: "\(index)-\(email)", passwordHash: "h"))
                        return nil
                    } catch {
                        return error
                    }
                }
            }
            return await group.reduce(into: [StoreError?]()) { $0.append($1) }
        }
        #expect(outcomes.filter { $0 == nil }.count == 1)
        #expect(outcomes.compactMap { $0 }.allSatisfy { $0.code == .duplicate && $0.field == "name" })
        try await store.close()
    }

    @Test(arguments: StoreBackend.allCases)
    func existingUsersGetKeysAndTheOldestOfLookAlikesKeepsIt(_ backend: StoreBackend) async throws {
        let tag = UUID().uuidString.prefix(8).lowercased()
        // Made before the rule: two names that differ only in case, and one other.
        let store = try await backend.makeBeforeNameKeys(users: ["Alice-\(tag)", "alice-\(tag)", "Bob-\(tag)"])
        #expect(try await store.migrationStatus().pending.isEmpty)
        let older = try #require(try await store.user(name: "Alice-\(tag)"))
        let younger = try #require(try await store.user(name: "alice-\(tag)"))
        // Both keep their accounts and their exact names find them; a third spelling finds the older one.
        #expect(older.uid < younger.uid && older.name == "Alice-\(tag)" && younger.name == "alice-\(tag)")
        #expect(try await store.user(name: "ALICE-\(tag)")?.uid == older.uid)
        #expect(try await store.user(name: "bob-\(tag)")?.name == "Bob-\(tag)")
        for taken in ["ALICE-\(tag)", "alice-\(tag)", "BOB-\(tag)"] {
            let error = await #expect(throws: StoreError.self) {
                _ = try await store.createUser(NewUser(name: taken, email: "\(taken)-new@example.com", passwordHash: "h"))
            }
            #expect(error?.code == .duplicate && error?.field == "name", "\(taken)")
        }
        #expect(try await store.createUser(NewUser(name: "Carol-\(tag)", email: "carol-\(tag)@example.com", passwordHash: "h")).uid > 0)
        try await store.close()
    }

    @Test func mariaDBNameKeyMigrationCanRunAgain() async throws {
        // MariaDB commits DDL statement by statement: a migration cut short is run again from the start.
        let store = try await StoreBackend.mariadb.makeBeforeNameKeys(users: ["Dan", "dan", "Eve"])
        let url = try #require((store as? MariaDBStore)?.url)
        let connection = MariaDBConnection(url: url)
        for step in MariaDBSchema.migrations["v2-user-name-keys"] ?? [] { try step.apply(on: connection) }
        let rows = try connection.execute("SELECT name, name_key FROM users ORDER BY uid").rows
        let keys = try rows.map { row throws(StoreError) in try row.optionalText(1) }
        #expect(try rows.map { row throws(StoreError) in try row.text(0) } == ["Dan", "dan", "Eve"])
        #expect(keys == [UserNameKey.key(for: "dan"), nil, UserNameKey.key(for: "eve")])
        try await store.close()
    }
}

extension StoreBackend {
    /// A store whose database was made with only the first migration and holds `users` (in this order,
    /// so with increasing uids), opened by this binary: the later migrations run on existing rows.
    func makeBeforeNameKeys(users: [String]) async throws -> any Store {
        let first = Schema.migrationNames[0]
        let insert = "INSERT INTO users (name, email, password_hash, nick, description, icon, created_at) VALUES (?, ?, 'h', ?, '', '', 1)"
        let tag = UUID().uuidString.prefix(8)
        let rows = users.enumerated().map { index, name in (name: name, email: "legacy-\(index)-\(tag)@example.com") }
        switch self {
        case .sqlite:
            let path = TestFolder.path("flux-legacy")
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
            let queue = try DatabaseQueue(path: path + "/flux.sqlite")
            try Schema.migrator.migrate(queue, upTo: first)
            try await queue.write { db in
                for row in rows { try db.execute(sql: insert, arguments: [row.name, row.email, row.name]) }
            }
            try queue.close()
            return try SQLiteStore(path: path + "/flux.sqlite")
        case .mariadb:
            guard let base = ProcessInfo.processInfo.environment["FLUX_TEST_MARIADB_URL"], var url = try? MariaDBURL(parsing: base) else {
                throw MissingServer("FLUX_TEST_MARIADB_URL is not set: these tests need a real MariaDB server (make test starts one)")
            }
            url.database = "flux_n\(UUID().uuidString.prefix(8).lowercased())"
            try await MariaDBStore.createDatabase(url)
            let connection = MariaDBConnection(url: url)
            _ = try connection.execute(MariaDBSchema.migrationTable)
            for step in MariaDBSchema.migrations[first] ?? [] { try step.apply(on: connection) }
            _ = try connection.execute("INSERT INTO flux_migrations (identifier) VALUES (?)", [.text(first)])
            for row in rows { _ = try connection.execute(insert, [.text(row.name), .text(row.email), .text(row.name)]) }
            return try await MariaDBStore(url: url, connections: 2)
        }
    }
}
