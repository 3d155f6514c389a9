/// A registered account as stored.
public struct User: Sendable, Hashable, Codable {
    public var uid: Int64
    public var name: String
    public var email: String
    /// Encoded password hash (`PasswordHasher` format); never sent to clients or logged.
    public var passwordHash: String
    public var nick: String
    public var desc: String
    public var sex: Int
    public var icon: String
    /// Creation time, milliseconds since 1970.
    public var createdAt: Int64
    public var disabled: Bool

    public init(
        uid: Int64, name: String, email: String, passwordHash: String, nick: String, desc: String, sex: Int,
        icon: String, createdAt: Int64, disabled: Bool = false
    ) {
        self.uid = uid
        self.name = name
        self.email = email
        self.passwordHash = passwordHash
        self.nick = nick
        self.desc = desc
        self.sex = sex
        self.icon = icon
        self.createdAt = createdAt
        self.disabled = disabled
    }
}

/// The fields of an account to create; the store assigns the uid.
public struct NewUser: Sendable, Hashable {
    public var name: String
    public var email: String
    public var passwordHash: String
    public var nick: String
    public var desc: String
    public var sex: Int
    public var icon: String

    public init(
        name: String, email: String, passwordHash: String, nick: String? = nil, desc: String = "", sex: Int = 0,
        icon: String = ""
    ) {
        self.name = name
        self.email = email
        self.passwordHash = passwordHash
        self.nick = nick ?? name
        self.desc = desc
        self.sex = sex
        self.icon = icon
    }
}
