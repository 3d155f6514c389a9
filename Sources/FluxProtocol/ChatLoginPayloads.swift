// Bodies of chat login (1005/1006), search (1007/1008), heartbeat (1023/1024) and the kick notice (1021).

/// 1005 `{uid, token}`.
public struct ChatLoginRequest: Codable, Sendable, Equatable {
    public var uid: Int64
    public var token: String
    public init(uid: Int64, token: String) {
        self.uid = uid
        self.token = token
    }
}

/// A pending friend request as listed in 1006's `apply_list`.
public struct ApplyEntry: Codable, Sendable, Equatable {
    public var uid: Int64
    public var name: String
    public var nick: String
    public var icon: String
    public var sex: Int
    public var desc: String
    /// 0 pending, 1 accepted.
    public var status: Int
    public init(uid: Int64, name: String, nick: String, icon: String, sex: Int, desc: String, status: Int) {
        self.uid = uid
        self.name = name
        self.nick = nick
        self.icon = icon
        self.sex = sex
        self.desc = desc
        self.status = status
    }
}

/// A friend as listed in 1006's `friend_list`.
public struct FriendEntry: Codable, Sendable, Equatable {
    public var uid: Int64
    public var name: String
    public var nick: String
    public var icon: String
    public var sex: Int
    public var desc: String
    /// The display name this user gave the friend.
    public var back: String
    /// Flux: whether the friend is online now.
    public var online: Bool?
    public init(uid: Int64, name: String, nick: String, icon: String, sex: Int, desc: String, back: String, online: Bool? = nil) {
        self.uid = uid
        self.name = name
        self.nick = nick
        self.icon = icon
        self.sex = sex
        self.desc = desc
        self.back = back
        self.online = online
    }
}

/// 1006: the logged-in user's profile and lists.
public struct ChatLoginResponse: Codable, Sendable, Equatable {
    public var error: ErrorCode
    public var uid: Int64
    public var name: String
    public var email: String
    public var nick: String
    public var desc: String
    public var sex: Int
    public var icon: String
    public var applyList: [ApplyEntry]
    public var friendList: [FriendEntry]

    enum CodingKeys: String, CodingKey {
        case error, uid, name, email, nick, desc, sex, icon
        case applyList = "apply_list"
        case friendList = "friend_list"
    }

    public init(
        error: ErrorCode = .success, uid: Int64, name: String, email: String, nick: String, desc: String,
        sex: Int, icon: String, applyList: [ApplyEntry], friendList: [FriendEntry]
    ) {
        self.error = error
        self.uid = uid
        self.name = name
        self.email = email
        self.nick = nick
        self.desc = desc
        self.sex = sex
        self.icon = icon
        self.applyList = applyList
        self.friendList = friendList
    }
}

/// 1007 `{uid: string}`: all digits look up a uid, anything else a user name.
public struct SearchUserRequest: Codable, Sendable, Equatable {
    public var uid: String
    public init(uid: String) { self.uid = uid }
}

/// 1008: a user's public profile.
public struct SearchUserResponse: Codable, Sendable, Equatable {
    public var error: ErrorCode
    public var uid: Int64
    public var name: String
    public var email: String
    public var nick: String
    public var desc: String
    public var sex: Int
    public var icon: String
    public init(
        error: ErrorCode = .success, uid: Int64, name: String, email: String, nick: String, desc: String,
        sex: Int, icon: String
    ) {
        self.error = error
        self.uid = uid
        self.name = name
        self.email = email
        self.nick = nick
        self.desc = desc
        self.sex = sex
        self.icon = icon
    }
}

/// 1023 `{fromuid}`.
public struct HeartbeatRequest: Codable, Sendable, Equatable {
    public var fromuid: Int64?
    public init(fromuid: Int64? = nil) { self.fromuid = fromuid }
}

/// 1021 `{error:0, uid}`: this connection was replaced by a newer login.
public struct OfflineNotice: Codable, Sendable, Equatable {
    public var error: ErrorCode
    public var uid: Int64
    public init(error: ErrorCode = .success, uid: Int64) {
        self.error = error
        self.uid = uid
    }
}

/// 1119: the node is draining. `host`/`port`/`token` say where to log in next (the token replaces the
/// one this session used); `error` 1002 with no address means no other node is free: log in at the gate later.
public struct ReconnectNotice: Codable, Sendable, Equatable {
    public var error: ErrorCode
    public var uid: Int64
    public var node: String?
    public var host: String?
    public var port: Int?
    public var token: String?
    /// The next node's WebSocket URL, when it has one.
    public var ws: String?

    public init(
        error: ErrorCode = .success, uid: Int64, node: String? = nil, host: String? = nil, port: Int? = nil, token: String? = nil,
        ws: String? = nil
    ) {
        self.ws = ws
        self.error = error
        self.uid = uid
        self.node = node
        self.host = host
        self.port = port
        self.token = token
    }
}
