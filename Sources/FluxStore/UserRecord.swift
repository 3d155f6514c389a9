import GRDB

/// The `users` row as GRDB reads and writes it.
struct UserRecord: Codable, FetchableRecord, MutablePersistableRecord {
    static let databaseTableName = "users"

    var uid: Int64?
    var name: String
    /// `UserNameKey.key(for: name)`; nil only for a pre-existing look-alike of an older name (see
    /// `UserNameKey.backfill`).
    var nameKey: String?
    var email: String
    var passwordHash: String
    var nick: String
    var description: String
    var sex: Int
    var icon: String
    var createdAt: Int64
    var disabled: Bool

    enum CodingKeys: String, CodingKey {
        case uid, name, email, nick, description, sex, icon, disabled
        case passwordHash = "password_hash"
        case createdAt = "created_at"
        case nameKey = "name_key"
    }

    init(_ user: NewUser, createdAt: Int64) {
        self.name = user.name
        self.nameKey = UserNameKey.key(for: user.name)
        self.email = user.email
        self.passwordHash = user.passwordHash
        self.nick = user.nick
        self.description = user.desc
        self.sex = user.sex
        self.icon = user.icon
        self.createdAt = createdAt
        self.disabled = false
    }

    mutating func didInsert(_ inserted: InsertionSuccess) {
        uid = inserted.rowID
    }

    var user: User {
        User(
            uid: uid ?? 0, name: name, email: email, passwordHash: passwordHash, nick: nick, desc: description,
            sex: sex, icon: icon, createdAt: createdAt, disabled: disabled
        )
    }
}
