/// The MariaDB/MySQL statements of each migration in `Schema.migrationNames`: the one place where the
/// dialects differ. Same tables, columns and keys as the SQLite migrations.
enum MariaDBSchema {
    static let migrationTable = """
        CREATE TABLE IF NOT EXISTS flux_migrations (identifier VARCHAR(255) NOT NULL PRIMARY KEY)
        ENGINE=InnoDB DEFAULT CHARSET=utf8mb4
        """

    private static let table = "ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin"

    static let migrations: [String: [String]] = [
        "v1-accounts-friends-messages": [
            """
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
            """,
            """
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
            """,
            """
            CREATE TABLE IF NOT EXISTS friendships (
                owner_uid BIGINT NOT NULL,
                friend_uid BIGINT NOT NULL,
                back VARCHAR(255) NOT NULL DEFAULT '',
                created_at BIGINT NOT NULL,
                PRIMARY KEY (owner_uid, friend_uid),
                FOREIGN KEY (owner_uid) REFERENCES users (uid) ON DELETE CASCADE,
                FOREIGN KEY (friend_uid) REFERENCES users (uid) ON DELETE CASCADE
            ) \(table)
            """,
            """
            CREATE TABLE IF NOT EXISTS conversations (
                id VARCHAR(64) NOT NULL PRIMARY KEY,
                last_seq BIGINT NOT NULL DEFAULT 0
            ) \(table)
            """,
            """
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
            """,
            """
            CREATE TABLE IF NOT EXISTS receipts (
                reader_uid BIGINT NOT NULL,
                peer_uid BIGINT NOT NULL,
                delivered_seq BIGINT NOT NULL DEFAULT 0,
                read_seq BIGINT NOT NULL DEFAULT 0,
                PRIMARY KEY (reader_uid, peer_uid)
            ) \(table)
            """,
        ]
    ]
}
