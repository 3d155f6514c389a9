import Foundation

/// The production `Store`: MySQL 8 or MariaDB through MariaDB Connector/C, prepared statements only,
/// utf8mb4, a pool of connections on a dedicated thread pool. Sequence numbers and friend requests are
/// decided inside transactions on locked rows and unique keys, so many chat nodes can write at once.
public final class MariaDBStore: Store {
    let pool: MariaDBPool
    public let url: MariaDBURL

    /// Connects, refuses a schema newer than this binary, and (unless `migrate` is false) applies pending
    /// migrations.
    public init(url: MariaDBURL, connections: Int = 8, migrate: Bool = true) async throws(StoreError) {
        self.url = url
        self.pool = MariaDBPool(url: url, threads: connections)
        try await migrateSchema(apply: migrate)
    }

    /// Creates the database of `url` if it does not exist (tests and `flux admin`); needs the privilege.
    public static func createDatabase(_ url: MariaDBURL) async throws(StoreError) {
        var server = url
        server.database = "information_schema"
        let pool = MariaDBPool(url: server, threads: 1)
        defer { Task { await pool.shutdown() } }
        let name = url.database
        _ = try await pool.run(.unlessSent) { connection throws(StoreError) in
            try connection.execute("CREATE DATABASE IF NOT EXISTS `\(name)` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin")
        }
    }

    /// The migrations applied to the database, and those this binary would still apply.
    public func migrationStatus() async throws(StoreError) -> (applied: [String], pending: [String]) {
        // Read-only for retrying: CREATE TABLE IF NOT EXISTS changes nothing when run a second time.
        let applied = try await pool.run(.readOnly) { connection throws(StoreError) in
            _ = try connection.execute(MariaDBSchema.migrationTable)
            return try connection.execute("SELECT identifier FROM flux_migrations").rows.map { row throws(StoreError) in try row.text(0) }
        }
        return (applied, Schema.migrationNames.filter { !applied.contains($0) })
    }

    private func migrateSchema(apply: Bool) async throws(StoreError) {
        try await pool.run(.unlessSent) { connection throws(StoreError) in
            // One process migrates a database at a time; the others wait, then find nothing left to do. The
            // lock is named after the database (GET_LOCK names are server-wide), so databases of one server
            // migrate side by side. Each wait stays under the client's 10 s read timeout; up to 60 s in all.
            // GET_LOCK says 1 when it has the lock, 0 after the timeout and NULL on an error.
            var locked = false
            for _ in 0..<12 where !locked {
                locked = try connection.execute("SELECT GET_LOCK(CONCAT('flux_migrate.', DATABASE()), 5)").single().optionalInt(0) == 1
            }
            guard locked else {
                throw StoreError(.unavailable, "MariaDB migration lock not obtained within 60 s (another process is migrating this database)")
            }
            defer { _ = try? connection.execute("SELECT RELEASE_LOCK(CONCAT('flux_migrate.', DATABASE()))") }
            _ = try connection.execute(MariaDBSchema.migrationTable)
            let applied = try connection.execute("SELECT identifier FROM flux_migrations").rows.map { row throws(StoreError) in try row.text(0) }
            let unknown = Set(applied).subtracting(Schema.migrationNames)
            guard unknown.isEmpty else {
                throw StoreError(.schemaTooNew, "database schema has migrations this binary does not know: \(unknown.sorted())")
            }
            guard apply else { return }
            for name in Schema.migrationNames where !applied.contains(name) {
                for step in MariaDBSchema.migrations[name] ?? [] { try step.apply(on: connection) }
                _ = try connection.execute("INSERT INTO flux_migrations (identifier) VALUES (?)", [.text(name)])
            }
        }
    }

    private static let userColumns = "uid, name, email, password_hash, nick, description, sex, icon, created_at, disabled"

    /// Every column is NOT NULL (joins to users are inner joins): a NULL fails the read.
    private static func user(_ row: MariaDBRow, from start: Int = 0) throws(StoreError) -> User {
        User(
            uid: try row.int(start), name: try row.text(start + 1), email: try row.text(start + 2),
            passwordHash: try row.text(start + 3), nick: try row.text(start + 4), desc: try row.text(start + 5),
            sex: Int(try row.int(start + 6)), icon: try row.text(start + 7), createdAt: try row.int(start + 8),
            disabled: try row.int(start + 9) != 0)
    }

    private static let messageColumns = "id, conversation, seq, from_uid, to_uid, client_msgid, content, created_at"

    private static func message(_ row: MariaDBRow) throws(StoreError) -> StoredMessage {
        StoredMessage(
            id: try row.int(0), conversation: try row.text(1), seq: try row.int(2), fromUID: try row.int(3),
            toUID: try row.int(4), clientMsgID: try row.text(5), content: try row.text(6), createdAt: try row.int(7))
    }

    private static func now() -> Int64 { Int64(Date().timeIntervalSince1970 * 1000) }

    /// Runs `body` in one transaction on one connection, retrying a deadlock a few times. A connection
    /// found dead at START TRANSACTION is replaced and the transaction run again (`Retry.unlessSent`);
    /// one lost later is reported: it is not known whether the server saw the COMMIT.
    /// With `readCommitted`, the transaction reads the newest committed rows at every statement and takes
    /// no gap locks (group changes: they lock the rows they decide on explicitly).
    func transaction<T: Sendable>(
        readCommitted: Bool = false, _ body: @escaping @Sendable (MariaDBConnection) throws(StoreError) -> T
    ) async throws(StoreError) -> T {
        try await pool.run(.unlessSent) { connection throws(StoreError) in
            var attempt = 0
            while true {
                attempt += 1
                if readCommitted { _ = try connection.execute("SET TRANSACTION ISOLATION LEVEL READ COMMITTED") }
                _ = try connection.execute("START TRANSACTION")
                do throws(StoreError) {
                    let result = try body(connection)
                    _ = try connection.execute("COMMIT")
                    return result
                } catch {
                    // A lost connection has closed its handle and the server rolls back on its own:
                    // a ROLLBACK now would only open a new connection to roll back nothing.
                    if connection.isOpen { _ = try? connection.execute("ROLLBACK") }
                    // 1213 deadlock, 1205 lock wait timeout, or a msgid another node stored meanwhile:
                    // the transaction is safe to run again (its fresh snapshot sees the other's rows).
                    let retryable = error.mariaDBKind == .lockConflict || (error.code == .duplicate && error.field == "msgid")
                    if !retryable || attempt >= 5 { throw error }
                }
            }
        }
    }

    // MARK: - Users

    public func createUser(_ user: NewUser) async throws(StoreError) -> User {
        let now = Self.now()
        let id = try await pool.run(.unlessSent) { connection throws(StoreError) in
            try connection.execute(
                "INSERT INTO users (name, name_key, email, password_hash, nick, description, sex, icon, created_at, disabled) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 0)",
                [.text(user.name), .text(UserNameKey.key(for: user.name)), .text(user.email), .text(user.passwordHash), .text(user.nick), .text(user.desc),
                 .int(Int64(user.sex)), .text(user.icon), .int(now)]
            ).lastInsertID
        }
        return User(
            uid: id, name: user.name, email: user.email, passwordHash: user.passwordHash, nick: user.nick, desc: user.desc,
            sex: user.sex, icon: user.icon, createdAt: now)
    }

    private func oneUser(_ condition: String, _ values: MariaDBValue...) async throws(StoreError) -> User? {
        try await pool.run(.readOnly) { connection throws(StoreError) in
            try connection.execute("SELECT \(Self.userColumns) FROM users WHERE \(condition)", values).rows.first.map { row throws(StoreError) in try Self.user(row) }
        }
    }

    public func user(uid: Int64) async throws(StoreError) -> User? { try await oneUser("uid = ?", .int(uid)) }

    public func user(email: String) async throws(StoreError) -> User? { try await oneUser("email = ?", .text(email)) }

    public func user(name: String) async throws(StoreError) -> User? {
        // The exact name first: it decides between look-alikes that existed before names had keys.
        try await oneUser(
            "name = ? OR name_key = ? ORDER BY name = ? DESC LIMIT 1",
            .text(name), .text(UserNameKey.key(for: name)), .text(name))
    }

    public func updatePasswordHash(uid: Int64, to hash: String) async throws(StoreError) -> Bool {
        try await pool.run(.unlessSent) { connection throws(StoreError) in
            try connection.execute("UPDATE users SET password_hash = ? WHERE uid = ?", [.text(hash), .int(uid)]).affectedRows > 0
        }
    }

    public func userCount() async throws(StoreError) -> Int {
        try await pool.run(.readOnly) { connection throws(StoreError) in Int(try connection.execute("SELECT COUNT(*) FROM users").single().int(0)) }
    }

    public func users(after: Int64, limit: Int) async throws(StoreError) -> [User] {
        try await pool.run(.readOnly) { connection throws(StoreError) in
            try connection.execute(
                "SELECT \(Self.userColumns) FROM users WHERE uid > ? ORDER BY uid LIMIT ?", [.int(after), .int(Int64(limit))]
            ).rows.map { row throws(StoreError) in try Self.user(row) }
        }
    }

    public func setDisabled(uid: Int64, _ disabled: Bool) async throws(StoreError) -> Bool {
        try await pool.run(.unlessSent) { connection throws(StoreError) in
            try connection.execute("UPDATE users SET disabled = ? WHERE uid = ?", [.int(disabled ? 1 : 0), .int(uid)]).affectedRows > 0
        }
    }

    public func deleteUser(uid: Int64) async throws(StoreError) -> Bool {
        try await transaction { connection throws(StoreError) in
            try GroupRules.leaveAll(connection, uid: uid)
            var deleted = false
            for statement in UserDeletion.statements {
                let values = Array(repeating: MariaDBValue.int(uid), count: statement.count { $0 == "?" })
                deleted = try connection.execute(statement, values).affectedRows > 0
            }
            return deleted
        }
    }

    public func addFriendship(_ a: Int64, _ b: Int64, backOfB: String, backOfA: String) async throws(StoreError) {
        let now = Self.now()
        _ = try await transaction { connection throws(StoreError) in
            let upsert = """
                INSERT INTO friendships (owner_uid, friend_uid, back, created_at) VALUES (?, ?, ?, ?)
                ON DUPLICATE KEY UPDATE back = VALUES(back)
                """
            _ = try connection.execute(upsert, [.int(a), .int(b), .text(backOfB), .int(now)])
            _ = try connection.execute(upsert, [.int(b), .int(a), .text(backOfA), .int(now)])
        }
    }

    public func updateProfile(uid: Int64, _ change: ProfileChange) async throws(StoreError) -> User? {
        try await transaction { connection throws(StoreError) in
            _ = try connection.execute(
                "UPDATE users SET nick = COALESCE(?, nick), description = COALESCE(?, description), sex = COALESCE(?, sex), icon = COALESCE(?, icon) WHERE uid = ?",
                [change.nick.map { .text($0) } ?? .null, change.desc.map { .text($0) } ?? .null,
                 change.sex.map { .int(Int64($0)) } ?? .null, change.icon.map { .text($0) } ?? .null, .int(uid)])
            return try connection.execute("SELECT \(Self.userColumns) FROM users WHERE uid = ?", [.int(uid)]).rows.first.map { row throws(StoreError) in try Self.user(row) }
        }
    }

    public func close() async throws(StoreError) {
        await pool.shutdown()
    }

    // MARK: - Friends

    public func saveFriendRequest(from: Int64, to: Int64, applyName: String, backName: String) async throws(StoreError) {
        let now = Self.now()
        _ = try await pool.run(.unlessSent) { connection throws(StoreError) in
            try connection.execute(
                """
                INSERT INTO friend_requests (from_uid, to_uid, apply_name, back_name, status, created_at, updated_at)
                VALUES (?, ?, ?, ?, 0, ?, ?)
                ON DUPLICATE KEY UPDATE apply_name = VALUES(apply_name), back_name = VALUES(back_name), updated_at = VALUES(updated_at)
                """,
                [.int(from), .int(to), .text(applyName), .text(backName), .int(now), .int(now)])
        }
    }

    public func friendRequests(to uid: Int64, limit: Int) async throws(StoreError) -> [(FriendRequest, User)] {
        let rows = try await pool.run(.readOnly) { connection throws(StoreError) in
            try connection.execute(
                """
                SELECT r.from_uid, r.to_uid, r.apply_name, r.back_name, r.status, r.updated_at,
                       u.uid, u.name, u.email, u.password_hash, u.nick, u.description, u.sex, u.icon, u.created_at, u.disabled
                FROM friend_requests r JOIN users u ON u.uid = r.from_uid
                WHERE r.to_uid = ? ORDER BY r.updated_at DESC, r.from_uid LIMIT ?
                """,
                [.int(uid), .int(Int64(limit))]
            ).rows
        }
        return try rows.map { row throws(StoreError) in
            (FriendRequest(fromUID: try row.int(0), toUID: try row.int(1), applyName: try row.text(2), backName: try row.text(3),
                           status: Int(try row.int(4)), updatedAt: try row.int(5)), try Self.user(row, from: 6))
        }
    }

    public func acceptFriendRequest(accepter: Int64, applicant: Int64, back: String) async throws(StoreError) -> Bool {
        let now = Self.now()
        return try await transaction { connection throws(StoreError) in
            guard let request = try connection.execute(
                "SELECT back_name FROM friend_requests WHERE from_uid = ? AND to_uid = ? FOR UPDATE",
                [.int(applicant), .int(accepter)]
            ).rows.first else { return false }
            _ = try connection.execute(
                "UPDATE friend_requests SET status = 1, updated_at = ? WHERE from_uid = ? AND to_uid = ?",
                [.int(now), .int(applicant), .int(accepter)])
            let upsert = """
                INSERT INTO friendships (owner_uid, friend_uid, back, created_at) VALUES (?, ?, ?, ?)
                ON DUPLICATE KEY UPDATE back = VALUES(back)
                """
            _ = try connection.execute(upsert, [.int(accepter), .int(applicant), .text(back), .int(now)])
            _ = try connection.execute(upsert, [.int(applicant), .int(accepter), .text(try request.text(0)), .int(now)])
            return true
        }
    }

    public func friends(of uid: Int64) async throws(StoreError) -> [Friend] {
        let rows = try await pool.run(.readOnly) { connection throws(StoreError) in
            try connection.execute(
                """
                SELECT f.back, u.uid, u.name, u.email, u.password_hash, u.nick, u.description, u.sex, u.icon, u.created_at, u.disabled
                FROM friendships f JOIN users u ON u.uid = f.friend_uid
                WHERE f.owner_uid = ? ORDER BY f.created_at, u.uid
                """,
                [.int(uid)]
            ).rows
        }
        return try rows.map { row throws(StoreError) in Friend(user: try Self.user(row, from: 1), back: try row.text(0)) }
    }

    public func areFriends(_ a: Int64, _ b: Int64) async throws(StoreError) -> Bool {
        try await pool.run(.readOnly) { connection throws(StoreError) in
            !(try connection.execute("SELECT 1 FROM friendships WHERE owner_uid = ? AND friend_uid = ?", [.int(a), .int(b)]).rows.isEmpty)
        }
    }

    // MARK: - Messages

    /// One batch in a handful of round trips, not three per text: one query finds the texts already
    /// stored (resends), then per conversation one upsert reserves its sequence numbers (returned by
    /// `LAST_INSERT_ID(expr)`), one multi-row insert stores the new texts, and per conversation one range
    /// query reads their ids back (auto-increment ids of a multi-row insert need not be consecutive).
    public func appendMessages(_ messages: [NewMessage], markingDelivered delivered: [Int64]) async throws(StoreError) -> [StoredMessage] {
        guard !messages.isEmpty else {
            try await markDelivered(messageIDs: delivered)
            return []
        }
        let now = Self.now()
        return try await transaction { connection throws(StoreError) in
            let existing = try Self.storedCopies(of: messages, on: connection)
            // Which texts are new: not stored before, and not an earlier text of this batch again.
            var firstIndex: [MessageKey: Int] = [:]
            var newIndices: [Int] = []
            var perConversation: [String: [Int]] = [:]
            for (index, message) in messages.enumerated() {
                let key = MessageKey(message)
                guard existing[key] == nil, firstIndex[key] == nil else { continue }
                firstIndex[key] = index
                newIndices.append(index)
                perConversation[StoredMessage.conversation(message.fromUID, message.toUID), default: []].append(index)
            }
            // Sequence numbers, conversations in a fixed order (two nodes never lock them crosswise).
            // The UPDATE locks each conversation row until commit, so numbers stay unique and gap-free.
            var seqs: [Int: Int64] = [:]
            for (conversation, indices) in perConversation.sorted(by: { $0.key < $1.key }) {
                let count = Int64(indices.count)
                let last = try connection.execute(
                    """
                    INSERT INTO conversations (id, last_seq) VALUES (?, LAST_INSERT_ID(?))
                    ON DUPLICATE KEY UPDATE last_seq = LAST_INSERT_ID(last_seq + ?)
                    """,
                    [.text(conversation), .int(count), .int(count)]).lastInsertID
                guard last >= count else { throw StoreError(.unavailable, "MariaDB returned no sequence number for \(conversation)") }
                for (offset, index) in indices.enumerated() { seqs[index] = last - count + 1 + Int64(offset) }
            }
            try Self.insert(newIndices.map { (messages[$0], seqs[$0]!) }, createdAt: now, on: connection)
            var ids: [Int: Int64] = [:]
            for (conversation, indices) in perConversation {
                let first = seqs[indices[0]]!, last = seqs[indices[indices.count - 1]]!
                let rows = try connection.execute(
                    "SELECT seq, id FROM messages WHERE conversation = ? AND seq BETWEEN ? AND ?",
                    [.text(conversation), .int(first), .int(last)]).rows
                var bySeq: [Int64: Int64] = [:]
                for row in rows { bySeq[try row.int(0)] = try row.int(1) }
                for index in indices {
                    guard let id = bySeq[seqs[index]!] else { throw StoreError(.unavailable, "MariaDB lost a text just inserted") }
                    ids[index] = id
                }
            }
            var stored: [StoredMessage] = []
            stored.reserveCapacity(messages.count)
            for (index, message) in messages.enumerated() {
                let key = MessageKey(message)
                if var copy = existing[key] {
                    copy.isDuplicate = true
                    stored.append(copy)
                } else if let first = firstIndex[key], first != index, let id = ids[first], let seq = seqs[first] {
                    // The same msgid twice in one batch: the second is a resend of the first.
                    stored.append(StoredMessage(
                        id: id, conversation: StoredMessage.conversation(message.fromUID, message.toUID), seq: seq,
                        fromUID: message.fromUID, toUID: message.toUID, clientMsgID: message.clientMsgID,
                        content: messages[first].content, createdAt: now, isDuplicate: true))
                } else {
                    stored.append(StoredMessage(
                        id: ids[index]!, conversation: StoredMessage.conversation(message.fromUID, message.toUID), seq: seqs[index]!,
                        fromUID: message.fromUID, toUID: message.toUID, clientMsgID: message.clientMsgID, content: message.content,
                        createdAt: now))
                }
            }
            try Self.markDelivered(delivered, on: connection)
            return stored
        }
    }

    /// A text's identity for resends: sender, recipient, the client's msgid.
    private struct MessageKey: Hashable {
        var from: Int64
        var to: Int64
        var msgid: String
        init(_ message: NewMessage) { (from, to, msgid) = (message.fromUID, message.toUID, message.clientMsgID) }
        init(_ message: StoredMessage) { (from, to, msgid) = (message.fromUID, message.toUID, message.clientMsgID) }
    }

    /// The stored copies of those of `messages` that were stored before, 100 keys a query.
    private static func storedCopies(of messages: [NewMessage], on connection: MariaDBConnection) throws(StoreError) -> [MessageKey: StoredMessage] {
        let keys = Array(Set(messages.map(MessageKey.init)))
        var found: [MessageKey: StoredMessage] = [:]
        for start in stride(from: 0, to: keys.count, by: 100) {
            let chunk = keys[start..<min(start + 100, keys.count)]
            let condition = Array(repeating: "(from_uid = ? AND to_uid = ? AND client_msgid = ?)", count: chunk.count).joined(separator: " OR ")
            let rows = try connection.execute(
                "SELECT \(messageColumns) FROM messages WHERE \(condition)",
                chunk.flatMap { [MariaDBValue.int($0.from), .int($0.to), .text($0.msgid)] }).rows
            for row in rows {
                let message = try Self.message(row)
                found[MessageKey(message)] = message
            }
        }
        return found
    }

    /// One multi-row INSERT per 100 texts.
    private static func insert(_ rows: [(NewMessage, Int64)], createdAt: Int64, on connection: MariaDBConnection) throws(StoreError) {
        for start in stride(from: 0, to: rows.count, by: 100) {
            let chunk = rows[start..<min(start + 100, rows.count)]
            let values = Array(repeating: "(?, ?, ?, ?, ?, ?, ?)", count: chunk.count).joined(separator: ", ")
            _ = try connection.execute(
                "INSERT INTO messages (conversation, seq, from_uid, to_uid, client_msgid, content, created_at) VALUES \(values)",
                chunk.flatMap { message, seq in
                    [MariaDBValue.text(StoredMessage.conversation(message.fromUID, message.toUID)), .int(seq), .int(message.fromUID),
                     .int(message.toUID), .text(message.clientMsgID), .text(message.content), .int(createdAt)]
                })
        }
    }

    public func undeliveredMessages(to uid: Int64, after: Int64, limit: Int) async throws(StoreError) -> [StoredMessage] {
        try await pool.run(.readOnly) { connection throws(StoreError) in
            try connection.execute(
                "SELECT \(Self.messageColumns) FROM messages WHERE to_uid = ? AND delivered = 0 AND id > ? ORDER BY id LIMIT ?",
                [.int(uid), .int(after), .int(Int64(limit))]
            ).rows.map(Self.message)
        }
    }

    public func markDelivered(messageIDs: [Int64]) async throws(StoreError) {
        guard !messageIDs.isEmpty else { return }
        try await pool.run(.unlessSent) { connection throws(StoreError) in try Self.markDelivered(messageIDs, on: connection) }
    }

    /// Marks exactly `ids`, 500 a statement.
    private static func markDelivered(_ ids: [Int64], on connection: MariaDBConnection) throws(StoreError) {
        for start in stride(from: 0, to: ids.count, by: 500) {
            let chunk = Array(ids[start..<min(start + 500, ids.count)])
            let marks = Array(repeating: "?", count: chunk.count).joined(separator: ",")
            _ = try connection.execute("UPDATE messages SET delivered = 1 WHERE id IN (\(marks))", chunk.map { .int($0) })
        }
    }

    public func history(uid: Int64, peer: Int64, page: HistoryPage, limit: Int) async throws(StoreError) -> [StoredMessage] {
        let conversation = StoredMessage.conversation(uid, peer)
        let columns = Self.messageColumns
        return try await pool.run(.readOnly) { connection throws(StoreError) in
            switch page {
            case .latest:
                return Array(try connection.execute(
                    "SELECT \(columns) FROM messages WHERE conversation = ? ORDER BY seq DESC LIMIT ?",
                    [.text(conversation), .int(Int64(limit))]).rows.map(Self.message).reversed())
            case .before(let seq):
                return Array(try connection.execute(
                    "SELECT \(columns) FROM messages WHERE conversation = ? AND seq < ? ORDER BY seq DESC LIMIT ?",
                    [.text(conversation), .int(seq), .int(Int64(limit))]).rows.map(Self.message).reversed())
            case .after(let seq):
                return try connection.execute(
                    "SELECT \(columns) FROM messages WHERE conversation = ? AND seq > ? ORDER BY seq LIMIT ?",
                    [.text(conversation), .int(seq), .int(Int64(limit))]).rows.map(Self.message)
            }
        }
    }

    public func recentMessages(of uid: Int64, limit: Int) async throws(StoreError) -> [StoredMessage] {
        let columns = Self.messageColumns
        return try await pool.run(.readOnly) { connection throws(StoreError) in
            Array(try connection.execute(
                "SELECT \(columns) FROM messages WHERE from_uid = ? OR to_uid = ? ORDER BY id DESC LIMIT ?",
                [.int(uid), .int(uid), .int(Int64(limit))]).rows.map(Self.message).reversed())
        }
    }

    public func saveReceipt(reader: Int64, peer: Int64, seq: Int64, read: Bool) async throws(StoreError) {
        let column = read ? "read_seq" : "delivered_seq"
        _ = try await pool.run(.unlessSent) { connection throws(StoreError) in
            try connection.execute(
                "INSERT INTO receipts (reader_uid, peer_uid, \(column)) VALUES (?, ?, ?) ON DUPLICATE KEY UPDATE \(column) = GREATEST(\(column), VALUES(\(column)))",
                [.int(reader), .int(peer), .int(seq)])
        }
    }

    public func receipt(reader: Int64, peer: Int64) async throws(StoreError) -> ReceiptMarks {
        try await pool.run(.readOnly) { connection throws(StoreError) in
            let rows = try connection.execute(
                "SELECT delivered_seq, read_seq FROM receipts WHERE reader_uid = ? AND peer_uid = ?", [.int(reader), .int(peer)]).rows
            guard let row = rows.first else { return ReceiptMarks() }
            return ReceiptMarks(delivered: try row.int(0), read: try row.int(1))
        }
    }

    public func messageCount() async throws(StoreError) -> Int {
        try await pool.run(.readOnly) { connection throws(StoreError) in Int(try connection.execute("SELECT COUNT(*) FROM messages").single().int(0)) }
    }
}
