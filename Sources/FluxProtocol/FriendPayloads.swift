// Bodies of friend request (1009/1010/1011) and accept (1013/1014/1015).

/// 1009 `{uid, applyname, bakname, touid}`. Flux ignores `uid` and uses the session's.
public struct AddFriendRequest: Codable, Sendable, Equatable {
    public var uid: Int64?
    public var applyname: String
    public var bakname: String
    public var touid: Int64
    public init(uid: Int64? = nil, applyname: String, bakname: String, touid: Int64) {
        self.uid = uid
        self.applyname = applyname
        self.bakname = bakname
        self.touid = touid
    }
}

/// 1011 to the user asked: who asked.
public struct AddFriendNotice: Codable, Sendable, Equatable {
    public var error: ErrorCode
    public var applyuid: Int64
    public var name: String
    public var desc: String
    public var icon: String
    public var sex: Int
    public var nick: String
    public init(
        error: ErrorCode = .success, applyuid: Int64, name: String, desc: String, icon: String, sex: Int,
        nick: String
    ) {
        self.error = error
        self.applyuid = applyuid
        self.name = name
        self.desc = desc
        self.icon = icon
        self.sex = sex
        self.nick = nick
    }
}

/// 1013 `{fromuid, touid, back}`: `fromuid` (the session's user) accepts `touid`'s request.
public struct AuthFriendRequest: Codable, Sendable, Equatable {
    public var fromuid: Int64?
    public var touid: Int64
    public var back: String
    public init(fromuid: Int64? = nil, touid: Int64, back: String) {
        self.fromuid = fromuid
        self.touid = touid
        self.back = back
    }
}

/// 1014: the new friend.
public struct AuthFriendResponse: Codable, Sendable, Equatable {
    public var error: ErrorCode
    public var uid: Int64
    public var name: String
    public var nick: String
    public var icon: String
    public var sex: Int
    public init(error: ErrorCode = .success, uid: Int64, name: String, nick: String, icon: String, sex: Int) {
        self.error = error
        self.uid = uid
        self.name = name
        self.nick = nick
        self.icon = icon
        self.sex = sex
    }
}

/// 1015 to the applicant: the request was accepted.
public struct AuthFriendNotice: Codable, Sendable, Equatable {
    public var error: ErrorCode
    public var fromuid: Int64
    public var touid: Int64
    public var name: String
    public var nick: String
    public var icon: String
    public var sex: Int
    public init(
        error: ErrorCode = .success, fromuid: Int64, touid: Int64, name: String, nick: String, icon: String,
        sex: Int
    ) {
        self.error = error
        self.fromuid = fromuid
        self.touid = touid
        self.name = name
        self.nick = nick
        self.icon = icon
        self.sex = sex
    }
}
