import Foundation
import GRDB

// Friends, profiles and messages of `SQLiteStore`.
extension SQLiteStore {
    public func updateProfile(uid: Int64, _ change: ProfileChange) async throws(StoreError) -> User? {
        try await write { db in
            guard var record = try UserRecord.fetchOne(db, key: uid) else { return nil }
            if let nick = change.nick { record.nick = nick }
            if let desc = change.desc { record.description = desc }
            if let sex = change.sex { record.sex = sex }
            if let icon = change.icon { record.icon = icon }
            try record.update(db)
            return record.user
        }
    }

    public func users(after: Int64, limit: Int) async throws(StoreError) -> [User] {
        try await read { db in
            try UserRecord.filter(Column("uid") > after).order(Column("uid")).limit(limit).fetchAll(db).map(\.user)
        }
    }

    public func setDisabled(uid: Int64, _ disabled: Bool) async throws(StoreError) -> Bool {
        try await write { db in
            try db.execute(sql: "UPDATE users SET disabled = ? WHERE uid = ?", arguments: [disabled, uid])
            return db.changesCount > 0
        }
    }

    public func deleteUser(uid: Int64) async throws(StoreError) -> Bool {
        try await write { db in
            try GroupRules.leaveAll(SQLiteSession(db: db), uid: uid)
            for statement in UserDeletion.sqliteStatements {
                try db.execute(sql: statement, arguments: StatementArguments(Array(repeating: uid, count: statement.count { $0 == "?" })))
            }
            return db.changesCount > 0
        }
    }

    public func addFriendship(_ a: Int64, _ b: Int64, backOfB: String, backOfA: String) async throws(StoreError) {
        let now = Self.now()
        try await write { db in
            let upsert = """
                INSERT INTO friendships (owner_uid, friend_uid, back, created_at) VALUES (?, ?, ?, ?)
                ON CONFLICT (owner_uid, friend_uid) DO UPDATE SET back = excluded.back
                """
            try db.execute(sql: upsert, arguments: [a, b, backOfB, now])
            try db.execute(sql: upsert, arguments: [b, a, backOfA, now])
        }
    }

    public func saveFriendRequest(from: Int64, to: Int64, applyName: String, backName: String) async throws(StoreError) {
        let now = Self.now()
        try await write { db in
            try db.execute(
                sql: """
                    INSERT INTO friend_requests (from_uid, to_uid, apply_name, back_name, status, created_at, updated_at)
                    VALUES (?, ?, ?, ?, 0, ?, ?)
                    ON CONFLICT (from_uid, to_uid) DO UPDATE SET
                        apply_name = excluded.apply_name, back_name = excluded.back_name, updated_at = excluded.updated_at
                    """,
                arguments: [from, to, applyName, backName, now, now])
        }
    }

    public func friendRequests(to uid: Int64, limit: Int) async throws(StoreError) -> [(FriendRequest, User)] {
        let rows = try await read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT r.from_uid, r.to_uid, r.apply_name, r.back_name, r.status, r.updated_at, u.*
                    FROM friend_requests r JOIN users u ON u.uid = r.from_uid
                    WHERE r.to_uid = ? ORDER BY r.updated_at DESC, r.from_uid LIMIT ?
                    """,
                arguments: [uid, limit]
            ).map { row in (Self.friendRequest(row), try UserRecord(row: row).user) }
        }
        return rows
    }

    public func acceptFriendRequest(accepter: Int64, applicant: Int64, back: String) async throws(StoreError) -> Bool {
        let now = Self.now()
        return try await write { db in
            guard
                let request = try Row.fetchOne(
                    db, sql: "SELECT back_name FROM friend_requests WHERE from_uid = ? AND to_uid = ?",
                    arguments: [applicant, accepter])
            else { return false }
            let applicantBack: String = request["back_name"]
            try db.execute(
                sql: "UPDATE friend_requests SET status = 1, updated_at = ? WHERE from_uid = ? AND to_uid = ?",
                arguments: [now, applicant, accepter])
            let upsert = """
                INSERT INTO friendships (owner_uid, friend_uid, back, created_at) VALUES (?, ?, ?, ?)
                ON CONFLICT (owner_uid, friend_uid) DO UPDATE SET back = excluded.back
                """
            try db.execute(sql: upsert, arguments: [accepter, applicant, back, now])
            try db.execute(sql: upsert, arguments: [applicant, accepter, applicantBack, now])
            return true
        }
    }

    public func friends(of uid: Int64) async throws(StoreError) -> [Friend] {
        try await read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT f.back AS friend_back, u.* FROM friendships f JOIN users u ON u.uid = f.friend_uid
                    WHERE f.owner_uid = ? ORDER BY f.created_at, u.uid
                    """,
                arguments: [uid]
            ).map { row in Friend(user: try UserRecord(row: row).user, back: row["friend_back"]) }
        }
    }

    public func areFriends(_ a: Int64, _ b: Int64) async throws(StoreError) -> Bool {
        try await read { db in
            try Bool.fetchOne(
                try db.cachedStatement(sql: "SELECT EXISTS (SELECT 1 FROM friendships WHERE owner_uid = ? AND friend_uid = ?)"),
                arguments: [a, b]) ?? false
        }
    }

    public func appendMessages(_ messages: [NewMessage], markingDelivered delivered: [Int64]) async throws(StoreError) -> [StoredMessage] {
        guard let transaction = Self.appendTransaction(messages, markingDelivered: delivered) else { return [] }
        return try await write(transaction)
    }

    public func undeliveredMessages(to uid: Int64, after: Int64, limit: Int) async throws(StoreError) -> [StoredMessage] {
        try await read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT * FROM messages WHERE to_uid = ? AND delivered = 0 AND id > ?
                    ORDER BY id LIMIT ?
                    """,
                arguments: [uid, after, limit]
            ).map(Self.message)
        }
    }

    public func recipientsWithUndelivered(among uids: [Int64], storedBefore: Int64) async throws(StoreError) -> Set<Int64> {
        guard !uids.isEmpty else { return [] }
        return try await read { db in
            var found = Set<Int64>()
            // One probe of the backlog index (undelivered texts by recipient) per user, 500 users a statement.
            for start in stride(from: 0, to: uids.count, by: 500) {
                let chunk = Array(uids[start..<min(start + 500, uids.count)])
                let marks = Array(repeating: "?", count: chunk.count).joined(separator: ",")
                let rows = try Row.fetchAll(
                    db, sql: "SELECT DISTINCT to_uid FROM messages WHERE delivered = 0 AND to_uid IN (\(marks)) AND created_at < ?",
                    arguments: StatementArguments(chunk + [storedBefore]))
                for row in rows { found.insert(row[0]) }
            }
            return found
        }
    }

    public func markDelivered(messageIDs: [Int64]) async throws(StoreError) {
        guard !messageIDs.isEmpty else { return }
        try await write { db in try Self.markDelivered(messageIDs, in: db) }
    }

    /// Marks exactly `ids`, one statement per run of consecutive ids: a batch's texts have consecutive ids,
    /// so their marks are a handful of range updates rather than one update per text.
    static func markDelivered(_ ids: [Int64], in db: Database) throws {
        guard !ids.isEmpty else { return }
        let mark = try db.cachedStatement(sql: "UPDATE messages SET delivered = 1 WHERE id BETWEEN ? AND ?")
        let sorted = ids.sorted()
        var first = sorted[0], last = sorted[0]
        for id in sorted.dropFirst() where id != last {
            if id == last + 1 {
                last = id
                continue
            }
            try mark.execute(arguments: [first, last])
            (first, last) = (id, id)
        }
        try mark.execute(arguments: [first, last])
    }

    public func history(uid: Int64, peer: Int64, page: HistoryPage, limit: Int) async throws(StoreError) -> [StoredMessage] {
        let conversation = StoredMessage.conversation(uid, peer)
        return try await read { db -> [StoredMessage] in
            switch page {
            case .latest:
                return try Row.fetchAll(
                    db, sql: "SELECT * FROM messages WHERE conversation = ? ORDER BY seq DESC LIMIT ?",
                    arguments: [conversation, limit]
                ).map(Self.message).reversed() as [StoredMessage]
            case .before(let seq):
                return try Row.fetchAll(
                    db, sql: "SELECT * FROM messages WHERE conversation = ? AND seq < ? ORDER BY seq DESC LIMIT ?",
                    arguments: [conversation, seq, limit]
                ).map(Self.message).reversed() as [StoredMessage]
            case .after(let seq):
                return try Row.fetchAll(
                    db, sql: "SELECT * FROM messages WHERE conversation = ? AND seq > ? ORDER BY seq LIMIT ?",
                    arguments: [conversation, seq, limit]
                ).map(Self.message)
            }
        }
    }

    public func recentMessages(of uid: Int64, limit: Int) async throws(StoreError) -> [StoredMessage] {
        try await read { db in
            Array(try Row.fetchAll(
                db, sql: "SELECT * FROM messages WHERE from_uid = ? OR to_uid = ? ORDER BY id DESC LIMIT ?",
                arguments: [uid, uid, limit]
            ).map(Self.message).reversed())
        }
    }

    public func saveReceipt(reader: Int64, peer: Int64, seq: Int64, read: Bool) async throws(StoreError) {
        let column = read ? "read_seq" : "delivered_seq"
        try await write { db in
            try db.execute(
                sql: """
                    INSERT INTO receipts (reader_uid, peer_uid, \(column)) VALUES (?, ?, ?)
                    ON CONFLICT (reader_uid, peer_uid) DO UPDATE SET \(column) = MAX(\(column), excluded.\(column))
                    """,
                arguments: [reader, peer, seq])
        }
    }

    public func receipt(reader: Int64, peer: Int64) async throws(StoreError) -> ReceiptMarks {
        try await read { db in
            let row = try Row.fetchOne(
                db, sql: "SELECT delivered_seq, read_seq FROM receipts WHERE reader_uid = ? AND peer_uid = ?", arguments: [reader, peer])
            return row.map { ReceiptMarks(delivered: $0["delivered_seq"], read: $0["read_seq"]) } ?? ReceiptMarks()
        }
    }

    public func messageCount() async throws(StoreError) -> Int {
        try await read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM messages") ?? 0 }
    }

    static func now() -> Int64 { Int64(Date().timeIntervalSince1970 * 1000) }

    private static func friendRequest(_ row: Row) -> FriendRequest {
        FriendRequest(
            fromUID: row["from_uid"], toUID: row["to_uid"], applyName: row["apply_name"], backName: row["back_name"],
            status: row["status"], updatedAt: row["updated_at"])
    }

    static func message(_ row: Row) -> StoredMessage {
        StoredMessage(
            id: row["id"], conversation: row["conversation"], seq: row["seq"], fromUID: row["from_uid"],
            toUID: row["to_uid"], clientMsgID: row["client_msgid"], content: row["content"], createdAt: row["created_at"])
    }
}

extension SQLiteStore: BlockingTextCommits {
    public var blockingTextCommits: (any BlockingTextCommits)? { self }

    /// GRDB's synchronous write: from a thread that is not its writer queue's, the transaction runs on the
    /// calling thread when the writer is free, so a dedicated commit thread pays no hop per commit.
    public func appendMessagesBlocking(_ messages: [NewMessage], markingDelivered delivered: [Int64]) throws(StoreError) -> [StoredMessage] {
        guard let transaction = Self.appendTransaction(messages, markingDelivered: delivered) else { return [] }
        do {
            return try pool.write(transaction)
        } catch {
            throw Self.map(error)
        }
    }

    /// Copies the WAL back into the database once enough of it piled up (`WALCheckpoints`).
    @discardableResult public func checkpointIfDue() -> Bool {
        guard checkpoints.isDue else { return false }
        let checkpoints = self.checkpoints
        // On the writer's queue, as `close()` is: a closed store has no connection to copy with.
        // Passive: never waits for readers; what a reader still needs is copied next time.
        let copied = try? pool.writeWithoutTransaction { db -> Bool in
            guard db.sqliteConnection != nil else { return false }
            let (logged, done) = try db.checkpoint(.passive)
            checkpoints.checkpointed(logged: Int32(logged), copied: Int32(done))
            return true
        }
        return copied == true
    }
}
