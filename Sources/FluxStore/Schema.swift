import GRDB

/// The one migration history of the Flux schema. Column types are kept to those SQLite and MariaDB share.
enum Schema {
    /// The names of all migrations, oldest first; a database holding one not listed is newer than this binary.
    static let migrationNames = ["v1-accounts-friends-messages", "v2-user-name-keys", "v3-groups", "v4-backlog-index-of-undelivered-only"]

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration(migrationNames[0]) { db in
            try db.create(table: "users") { t in
                t.column("uid", .integer).primaryKey(autoincrement: true)
                t.column("name", .text).notNull().unique()
                t.column("email", .text).notNull().unique().collate(.nocase)
                t.column("password_hash", .text).notNull()
                t.column("nick", .text).notNull().defaults(to: "")
                t.column("description", .text).notNull().defaults(to: "")
                t.column("sex", .integer).notNull().defaults(to: 0)
                t.column("icon", .text).notNull().defaults(to: "")
                t.column("created_at", .integer).notNull()
                t.column("disabled", .boolean).notNull().defaults(to: false)
            }
            try db.create(table: "friend_requests") { t in
                t.column("from_uid", .integer).notNull().references("users", onDelete: .cascade)
                t.column("to_uid", .integer).notNull().references("users", onDelete: .cascade)
                t.column("apply_name", .text).notNull().defaults(to: "")
                t.column("back_name", .text).notNull().defaults(to: "")
                t.column("status", .integer).notNull().defaults(to: 0)
                t.column("created_at", .integer).notNull()
                t.column("updated_at", .integer).notNull()
                t.primaryKey(["from_uid", "to_uid"])
            }
            try db.create(index: "friend_requests_to", on: "friend_requests", columns: ["to_uid", "status"])
            try db.create(table: "friendships") { t in
                t.column("owner_uid", .integer).notNull().references("users", onDelete: .cascade)
                t.column("friend_uid", .integer).notNull().references("users", onDelete: .cascade)
                t.column("back", .text).notNull().defaults(to: "")
                t.column("created_at", .integer).notNull()
                t.primaryKey(["owner_uid", "friend_uid"])
            }
            try db.create(table: "conversations") { t in
                t.column("id", .text).primaryKey()
                t.column("last_seq", .integer).notNull().defaults(to: 0)
            }
            try db.create(table: "messages") { t in
                // Global order of arrival, used for offline delivery; `seq` orders one conversation.
                t.column("id", .integer).primaryKey(autoincrement: true)
                t.column("conversation", .text).notNull()
                t.column("seq", .integer).notNull()
                t.column("from_uid", .integer).notNull()
                t.column("to_uid", .integer).notNull()
                t.column("client_msgid", .text).notNull()
                t.column("content", .text).notNull()
                t.column("created_at", .integer).notNull()
                // Set once the message was written to the recipient's socket; unset ones make the backlog.
                t.column("delivered", .boolean).notNull().defaults(to: false)
                t.uniqueKey(["conversation", "seq"])
                t.uniqueKey(["from_uid", "to_uid", "client_msgid"])
            }
            try db.create(index: "messages_undelivered", on: "messages", columns: ["to_uid", "delivered", "id"])
            try db.create(table: "receipts") { t in
                t.column("reader_uid", .integer).notNull()
                t.column("peer_uid", .integer).notNull()
                t.column("delivered_seq", .integer).notNull().defaults(to: 0)
                t.column("read_seq", .integer).notNull().defaults(to: 0)
                t.primaryKey(["reader_uid", "peer_uid"])
            }
        }
        // Names unique ignoring case and Unicode look-alike forms (`UserNameKey`): a nullable column, so
        // existing names that already collide can stay (the oldest keeps the key), and a unique index,
        // so the database itself refuses a second look-alike even from concurrent registrations.
        migrator.registerMigration(migrationNames[1]) { db in
            try db.alter(table: "users") { t in t.add(column: "name_key", .text) }
            try db.create(index: "users_name_key", on: "users", columns: ["name_key"], unique: true)
            try fillNameKeys(db)
        }
        // Groups: each text one row in `group_messages` (never one per member); per member a delivered
        // cursor (catch-up at login) and a read cursor. `last_seq` is reserved in the storing transaction.
        migrator.registerMigration(migrationNames[2]) { db in
            try db.create(table: "chat_groups") { t in
                t.column("gid", .integer).primaryKey(autoincrement: true)
                t.column("name", .text).notNull()
                t.column("created_at", .integer).notNull()
                t.column("last_seq", .integer).notNull().defaults(to: 0)
            }
            try db.create(table: "group_members") { t in
                t.column("gid", .integer).notNull().references("chat_groups", onDelete: .cascade)
                t.column("uid", .integer).notNull().references("users", onDelete: .cascade)
                t.column("role", .text).notNull()
                t.column("joined_at", .integer).notNull()
                t.column("delivered_seq", .integer).notNull().defaults(to: 0)
                t.column("read_seq", .integer).notNull().defaults(to: 0)
                t.primaryKey(["gid", "uid"])
            }
            try db.create(index: "group_members_uid", on: "group_members", columns: ["uid"])
            try db.create(table: "group_messages") { t in
                t.column("gid", .integer).notNull()
                t.column("seq", .integer).notNull()
                t.column("from_uid", .integer).notNull()
                t.column("client_msgid", .text).notNull()
                t.column("content", .text).notNull()
                t.column("created_at", .integer).notNull()
                t.primaryKey(["gid", "seq"])
                t.uniqueKey(["gid", "from_uid", "client_msgid"])
            }
        }
        // The backlog index holds undelivered texts only. Indexing every text by (to_uid, delivered, id)
        // moved each delivered text to the other half of the index: two leaf writes per text per commit,
        // in an index that grew without end. Now an entry lives from the text's commit to its delivery
        // mark, so the whole index is a few pages, and a mark is one delete in a leaf the commit already
        // wrote. (MariaDB has no partial indexes: it keeps its index; see Schema+MariaDB.)
        migrator.registerMigration(migrationNames[3]) { db in
            try db.execute(sql: "DROP INDEX messages_undelivered")
            try db.execute(sql: "CREATE INDEX messages_undelivered ON messages (to_uid, id) WHERE delivered = 0")
        }
        return migrator
    }

    /// Gives existing users their `name_key`; OR IGNORE leaves a look-alike of an older name without one.
    private static func fillNameKeys(_ db: Database) throws {
        try UserNameKey.backfill(
            page: { after in
                try Row.fetchAll(
                    db, sql: "SELECT uid, name FROM users WHERE name_key IS NULL AND uid > ? ORDER BY uid LIMIT ?",
                    arguments: [after, UserNameKey.backfillPage]
                ).map { (uid: $0["uid"], name: $0["name"]) }
            },
            assign: { uid, key in
                try db.execute(sql: "UPDATE OR IGNORE users SET name_key = ? WHERE uid = ?", arguments: [key, uid])
            })
    }
}
