import GRDB
import GRDBSQLite

// The text path of `SQLiteStore`: tens of thousands of texts a second go through here, so the insert
// binds its values through SQLite's C API on GRDB's cached statement (GRDB's `StatementArguments` boxes
// every value), and a resend is found by the insert's own unique-key check instead of a lookup per text.
extension SQLiteStore {
    /// The transaction that stores `messages` and marks `delivered`, stamped now; nil when there is
    /// nothing to write.
    static func appendTransaction(_ messages: [NewMessage], markingDelivered delivered: [Int64]) -> (@Sendable (Database) throws -> [StoredMessage])? {
        guard !messages.isEmpty || !delivered.isEmpty else { return nil }
        let now = Self.now()
        return { db in try append(messages, markingDelivered: delivered, createdAt: now, in: db) }
    }

    /// One transaction (the caller's): per conversation its last sequence number is read once; each text
    /// is inserted with the next one unless its sender already stored its msgid for this recipient (then
    /// the stored copy is returned, marked duplicate, and no number is used); the conversations' new last
    /// numbers are written; then the delivered ids are marked.
    static func append(_ messages: [NewMessage], markingDelivered delivered: [Int64], createdAt now: Int64, in db: Database) throws -> [StoredMessage] {
        var stored: [StoredMessage] = []
        if !messages.isEmpty {
            let readSeq = try db.cachedStatement(sql: "SELECT last_seq FROM conversations WHERE id = ?")
            let insert = try db.cachedStatement(sql: """
                INSERT INTO messages (conversation, seq, from_uid, to_uid, client_msgid, content, created_at)
                VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (from_uid, to_uid, client_msgid) DO NOTHING
                """)
            let saveSeq = try db.cachedStatement(sql: """
                INSERT INTO conversations (id, last_seq) VALUES (?, ?) ON CONFLICT (id) DO UPDATE SET last_seq = excluded.last_seq
                """)
            var lastSeqs: [String: (seq: Int64, used: Bool)] = [:]
            var conversations: [ConversationKey: String] = [:]
            stored.reserveCapacity(messages.count)
            for message in messages {
                let key = ConversationKey(message.fromUID, message.toUID)
                let conversation = conversations[key] ?? StoredMessage.conversation(message.fromUID, message.toUID)
                conversations[key] = conversation
                let last = try lastSeqs[conversation]?.seq ?? storedLastSeq(of: conversation, readSeq, in: db)
                var row = RawStatement(insert, in: db)
                row.bind(conversation)
                row.bind(last + 1)
                row.bind(message.fromUID)
                row.bind(message.toUID)
                row.bind(message.clientMsgID)
                row.bind(message.content)
                row.bind(now)
                if try row.run() {
                    lastSeqs[conversation] = (last + 1, true)
                    stored.append(StoredMessage(
                        id: db.lastInsertedRowID, conversation: conversation, seq: last + 1, fromUID: message.fromUID,
                        toUID: message.toUID, clientMsgID: message.clientMsgID, content: message.content, createdAt: now))
                } else {
                    lastSeqs[conversation] = (last, lastSeqs[conversation]?.used ?? false)
                    stored.append(try storedCopy(of: message, in: db))
                }
            }
            for (conversation, last) in lastSeqs where last.used {
                var row = RawStatement(saveSeq, in: db)
                row.bind(conversation)
                row.bind(last.seq)
                _ = try row.run()
            }
        }
        try markDelivered(delivered, in: db)
        return stored
    }

    /// A conversation's last sequence number as stored (0 for a new conversation).
    private static func storedLastSeq(of conversation: String, _ readSeq: Statement, in db: Database) throws -> Int64 {
        var row = RawStatement(readSeq, in: db)
        row.bind(conversation)
        return try row.firstInt64() ?? 0
    }

    /// The stored text that `message` resends (same sender, recipient and msgid), marked duplicate.
    private static func storedCopy(of message: NewMessage, in db: Database) throws -> StoredMessage {
        guard let row = try Row.fetchOne(
            db, sql: "SELECT * FROM messages WHERE from_uid = ? AND to_uid = ? AND client_msgid = ?",
            arguments: [message.fromUID, message.toUID, message.clientMsgID])
        else { throw StoreError(.unavailable, "a resent text's stored copy is missing") }
        var copy = Self.message(row)
        copy.isDuplicate = true
        return copy
    }

    /// A conversation's two users, the lower uid first.
    private struct ConversationKey: Hashable {
        let low: Int64
        let high: Int64
        init(_ a: Int64, _ b: Int64) { (low, high) = (min(a, b), max(a, b)) }
    }
}

/// One use of a cached GRDB statement through SQLite's C API: values bound in order, then one step.
/// The statement is reset and its bindings cleared first, so GRDB finds it as it left it.
struct RawStatement {
    private let statement: SQLiteStatement
    private let db: Database
    private var index: Int32 = 0

    init(_ statement: Statement, in db: Database) {
        self.statement = statement.sqliteStatement
        self.db = db
        sqlite3_reset(self.statement)
        sqlite3_clear_bindings(self.statement)
    }

    mutating func bind(_ value: Int64) {
        index += 1
        sqlite3_bind_int64(statement, index, value)
    }

    mutating func bind(_ value: String) {
        index += 1
        var text = value
        text.withUTF8 { bytes in
            // SQLITE_TRANSIENT: SQLite copies the bytes before this returns.
            let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
            if let base = bytes.baseAddress {
                sqlite3_bind_text(statement, index, base, Int32(bytes.count), transient)
            } else {
                sqlite3_bind_text(statement, index, "", 0, transient)
            }
        }
    }

    /// Steps a statement that returns no row; true when it changed a row.
    mutating func run() throws -> Bool {
        let code = sqlite3_step(statement)
        guard code == SQLITE_DONE else { throw failure(code) }
        return sqlite3_changes(db.sqliteConnection) > 0
    }

    /// Steps a query: the first column of its first row, if there is a row.
    func firstInt64() throws -> Int64? {
        let code = sqlite3_step(statement)
        switch code {
        case SQLITE_ROW:
            let value = sqlite3_column_int64(statement, 0)
            sqlite3_reset(statement)
            return value
        case SQLITE_DONE:
            return nil
        default:
            throw failure(code)
        }
    }

    private func failure(_ code: Int32) -> DatabaseError {
        let message = sqlite3_errmsg(db.sqliteConnection).map { String(cString: $0) }
        sqlite3_reset(statement)
        return DatabaseError(resultCode: ResultCode(rawValue: code), message: message, sql: String(cString: sqlite3_sql(statement)))
    }
}
