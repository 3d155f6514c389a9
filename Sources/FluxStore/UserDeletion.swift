/// The statements that delete one account, in one transaction, in this order; each `?` is the uid.
/// The last one deletes the user row, so its changed-row count tells whether the account existed.
/// Plain SQL that SQLite and MariaDB both accept.
enum UserDeletion {
    static let statements = [
        "DELETE FROM messages WHERE from_uid = ? OR to_uid = ?",
        "DELETE FROM receipts WHERE reader_uid = ? OR peer_uid = ?",
        "DELETE FROM friend_requests WHERE from_uid = ? OR to_uid = ?",
        "DELETE FROM friendships WHERE owner_uid = ? OR friend_uid = ?",
        "DELETE FROM users WHERE uid = ?",
    ]

    /// SQLite's: its backlog index holds undelivered texts only, so no index leads from a recipient to
    /// its texts; they are found through their conversations (`"low:high"`, indexed with every text).
    static let sqliteStatements = [
        "DELETE FROM messages WHERE conversation IN (SELECT id FROM conversations WHERE id LIKE ? || ':%' OR id LIKE '%:' || ?)",
    ] + statements.dropFirst()
}
