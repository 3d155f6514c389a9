/// The MariaDB/MySQL steps of each migration in `Schema.migrationNames`: the one place where the
/// dialects differ. Same tables, columns, keys and data as the SQLite migrations.
enum MariaDBSchema {
    static let migrationTable = """
        CREATE TABLE IF NOT EXISTS flux_migrations (identifier VARCHAR(255) NOT NULL PRIMARY KEY)
        ENGINE=InnoDB DEFAULT CHARSET=utf8mb4
        """

    private static let table = "ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin"

    static let migrations: [String: [MariaDBMigrationStep]] = [
        "v1-accounts-friends-messages": [
            .sql("""
            CREATE TABLE IF NOT EXISTS users (
                uid BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
                name VARCHAR(191) NOT NULL,
                email VARCHAR(254) NOT NULL COLLATE utf8mb4_general_ci,
                password_hash VARCHAR(255) NOT NULL,
                nick VARCHAR(255) NOT NULL DEFAULT '',
                description TEXT NOT NULL,
                sex INT NOT NULL DEFAULT 0,
                icon TEXT NOT NULL,
                created_at BIGINT NOT NULL,
                disabled TINYINT NOT NULL DEFAULT 0,
                UNIQUE KEY users_name (name),
                UNIQUE KEY users_email (email)
            ) \(table)
            """),
            .sql("""
            CREATE TABLE IF NOT EXISTS friend_requests (
                from_uid BIGINT NOT NULL,
                to_uid BIGINT NOT NULL,
                apply_name VARCHAR(255) NOT NULL DEFAULT '',
                back_name VARCHAR(255) NOT NULL DEFAULT '',
                status INT NOT NULL DEFAULT 0,
                created_at BIGINT NOT NULL,
                updated_at BIGINT NOT NULL,
                PRIMARY KEY (from_uid, to_uid),
                KEY friend_requests_to (to_uid, status),
                FOREIGN KEY (from_uid) REFERENCES users (uid) ON DELETE CASCADE,
                FOREIGN KEY (to_uid) REFERENCES users (uid) ON DELETE CASCADE
            ) \(table)
            """),
            .sql("""
            CREATE TABLE IF NOT EXISTS friendships (
                owner_uid BIGINT NOT NULL,
                friend_uid BIGINT NOT NULL,
                back VARCHAR(255) NOT NULL DEFAULT '',
                created_at BIGINT NOT NULL,
                PRIMARY KEY (owner_uid, friend_uid),
                FOREIGN KEY (owner_uid) REFERENCES users (uid) ON DELETE CASCADE,
                FOREIGN KEY (friend_uid) REFERENCES users (uid) ON DELETE CASCADE
            ) \(table)
            """),
            .sql("""
            CREATE TABLE IF NOT EXISTS conversations (
                id VARCHAR(64) NOT NULL PRIMARY KEY,
                last_seq BIGINT NOT NULL DEFAULT 0
            ) \(table)
            """),
            .sql("""
            CREATE TABLE IF NOT EXISTS messages (
                id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
                conversation VARCHAR(64) NOT NULL,
                seq BIGINT NOT NULL,
                from_uid BIGINT NOT NULL,
                to_uid BIGINT NOT NULL,
                client_msgid VARCHAR(128) NOT NULL,
                content TEXT NOT NULL,
                created_at BIGINT NOT NULL,
                delivered TINYINT NOT NULL DEFAULT 0,
                UNIQUE KEY messages_seq (conversation, seq),
                UNIQUE KEY messages_msgid (from_uid, to_uid, client_msgid),
                KEY messages_undelivered (to_uid, delivered, id)
            ) \(table)
            """),
            .sql("""
            CREATE TABLE IF NOT EXISTS receipts (
                reader_uid BIGINT NOT NULL,
                peer_uid BIGINT NOT NULL,
                delivered_seq BIGINT NOT NULL DEFAULT 0,
                read_seq BIGINT NOT NULL DEFAULT 0,
                PRIMARY KEY (reader_uid, peer_uid)
            ) \(table)
            """),
        ],
        // As the SQLite "v2-user-name-keys": a nullable key column, its unique index, then keys for the
        // existing rows (UPDATE IGNORE leaves a look-alike of an older name without one). The column and
        // index are added only when missing (MySQL has no ADD COLUMN IF NOT EXISTS), so a migration cut
        // short between its statements can run again.
        "v2-user-name-keys": [
            .run { connection throws(StoreError) in
                guard try !exists(connection, "COLUMNS", "COLUMN_NAME", "name_key") else { return }
                _ = try connection.execute("ALTER TABLE users ADD COLUMN name_key VARCHAR(64) NULL AFTER name")
            },
            .run { connection throws(StoreError) in
                guard try !exists(connection, "STATISTICS", "INDEX_NAME", "users_name_key") else { return }
                _ = try connection.execute("CREATE UNIQUE INDEX users_name_key ON users (name_key)")
            },
            .run { connection throws(StoreError) in
                try UserNameKey.backfill(
                    page: { after throws(StoreError) in
                        try connection.execute(
                            "SELECT uid, name FROM users WHERE name_key IS NULL AND uid > ? ORDER BY uid LIMIT ?",
                            [.int(after), .int(Int64(UserNameKey.backfillPage))]
                        ).rows.map { row throws(StoreError) in (uid: try row.int(0), name: try row.text(1)) }
                    },
                    assign: { uid, key throws(StoreError) in
                        _ = try connection.execute("UPDATE IGNORE users SET name_key = ? WHERE uid = ?", [.text(key), .int(uid)])
                    })
            },
        ],
        "v3-groups": [
            .sql("""
            CREATE TABLE IF NOT EXISTS chat_groups (
                gid BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
                name VARCHAR(255) NOT NULL,
                created_at BIGINT NOT NULL,
                last_seq BIGINT NOT NULL DEFAULT 0
            ) \(table)
            """),
            .sql("""
            CREATE TABLE IF NOT EXISTS group_members (
                gid BIGINT NOT NULL,
                uid BIGINT NOT NULL,
                role VARCHAR(16) NOT NULL,
                joined_at BIGINT NOT NULL,
                delivered_seq BIGINT NOT NULL DEFAULT 0,
                read_seq BIGINT NOT NULL DEFAULT 0,
                PRIMARY KEY (gid, uid),
                KEY group_members_uid (uid),
                FOREIGN KEY (gid) REFERENCES chat_groups (gid) ON DELETE CASCADE,
                FOREIGN KEY (uid) REFERENCES users (uid) ON DELETE CASCADE
            ) \(table)
            """),
            .sql("""
            CREATE TABLE IF NOT EXISTS group_messages (
                gid BIGINT NOT NULL,
                seq BIGINT NOT NULL,
                from_uid BIGINT NOT NULL,
                client_msgid VARCHAR(128) NOT NULL,
                content TEXT NOT NULL,
                created_at BIGINT NOT NULL,
                PRIMARY KEY (gid, seq),
                UNIQUE KEY group_messages_msgid (gid, from_uid, client_msgid)
            ) \(table)
            """),
        ],
        // SQLite's partial backlog index; InnoDB has none, so (to_uid, delivered, id) stays.
        "v4-backlog-index-of-undelivered-only": [],
    ]

    /// Whether `information_schema.<table>` has a row of the `users` table with `column` = `value`.
    private static func exists(_ connection: MariaDBConnection, _ table: String, _ column: String, _ value: String) throws(StoreError) -> Bool {
        try connection.execute(
            "SELECT COUNT(*) FROM information_schema.\(table) WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'users' AND \(column) = ?",
            [.text(value)]
        ).single().int(0) > 0
    }
}
