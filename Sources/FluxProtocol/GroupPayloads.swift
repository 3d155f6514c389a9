// Bodies of group chat messages (1121–1148, docs/protocol.md). Requests carry only what the client
// chooses; the session's uid is always the acting user.

/// 1121: create a group with some of your friends.
public struct GroupCreateRequest: Codable, Sendable, Equatable {
    public var name: String
    public var members: [Int64]?
    public init(name: String, members: [Int64]? = nil) {
        self.name = name
        self.members = members
    }
}

/// One member in 1122 (`uid`, `name`, `role`) and 1130 (all fields).
public struct GroupMemberEntry: Codable, Sendable, Equatable {
    public var uid: Int64
    public var name: String
    public var nick: String?
    public var icon: String?
    /// `owner`, `admin` or `member`.
    public var role: String
    public var online: Bool?
    public init(uid: Int64, name: String, nick: String? = nil, icon: String? = nil, role: String, online: Bool? = nil) {
        self.uid = uid
        self.name = name
        self.nick = nick
        self.icon = icon
        self.role = role
        self.online = online
    }
}

/// 1122 (create) and 1130 (group info): the group with its members, oldest first.
public struct GroupDetailResponse: Codable, Sendable, Equatable {
    public var error: ErrorCode
    public var gid: Int64
    public var name: String
    public var owner: Int64
    public var members: [GroupMemberEntry]
    public init(error: ErrorCode = .success, gid: Int64, name: String, owner: Int64, members: [GroupMemberEntry]) {
        self.error = error
        self.gid = gid
        self.name = name
        self.owner = owner
        self.members = members
    }
}

/// 1123: add members; 1124 answers with `added` instead of `members`.
public struct GroupMembersRequest: Codable, Sendable, Equatable {
    public var gid: Int64
    public var members: [Int64]
    public init(gid: Int64, members: [Int64]) {
        self.gid = gid
        self.members = members
    }
}

/// 1124: who was added (members already in are not listed).
public struct GroupAddResponse: Codable, Sendable, Equatable {
    public var error: ErrorCode
    public var gid: Int64
    public var added: [Int64]
    public init(error: ErrorCode = .success, gid: Int64, added: [Int64]) {
        self.error = error
        self.gid = gid
        self.added = added
    }
}

/// 1125 leave and 1129 info (requests), 1126 (response, with `error`).
public struct GroupReference: Codable, Sendable, Equatable {
    public var error: ErrorCode?
    public var gid: Int64
    public init(error: ErrorCode? = nil, gid: Int64) {
        self.error = error
        self.gid = gid
    }
}

/// 1127 remove a member, 1128 its response (with `error`).
public struct GroupMemberReference: Codable, Sendable, Equatable {
    public var error: ErrorCode?
    public var gid: Int64
    public var uid: Int64
    public init(error: ErrorCode? = nil, gid: Int64, uid: Int64) {
        self.error = error
        self.gid = gid
        self.uid = uid
    }
}

/// 1131: something happened to a group you are (or were) in.
public struct GroupEventNotice: Codable, Sendable, Equatable {
    /// `created`, `added`, `removed`, `left`, `renamed`, `role`, `dissolved`.
    public enum Kind: String, Codable, Sendable {
        case created, added, removed, left, renamed, role, dissolved
    }

    public var error: ErrorCode
    public var gid: Int64
    public var kind: Kind
    /// The member concerned (for `created`, `renamed` and `dissolved`: who did it).
    public var uid: Int64
    /// Who did it.
    public var by: Int64
    /// The new name (`created`, `renamed`).
    public var name: String?
    /// The member's role now (`role`, and the new owner after `left`).
    public var role: String?
    public init(gid: Int64, kind: Kind, uid: Int64, by: Int64, name: String? = nil, role: String? = nil) {
        self.error = .success
        self.gid = gid
        self.kind = kind
        self.uid = uid
        self.by = by
        self.name = name
        self.role = role
    }
}

/// 1133 request, 1134 response and 1135 notice share this shape (1135 adds `fromuid`).
public struct GroupTextMessage: Codable, Sendable, Equatable {
    public var error: ErrorCode?
    public var gid: Int64
    public var fromuid: Int64?
    public var textArray: [TextItem]

    enum CodingKeys: String, CodingKey {
        case error, gid, fromuid
        case textArray = "text_array"
    }

    public init(error: ErrorCode? = nil, gid: Int64, fromuid: Int64? = nil, textArray: [TextItem]) {
        self.error = error
        self.gid = gid
        self.fromuid = fromuid
        self.textArray = textArray
    }
}

/// 1137: a page of a group's texts.
public struct GroupHistoryRequest: Codable, Sendable, Equatable {
    public var gid: Int64
    public var before: Int64?
    public var after: Int64?
    public var limit: Int?
    public init(gid: Int64, before: Int64? = nil, after: Int64? = nil, limit: Int? = nil) {
        self.gid = gid
        self.before = before
        self.after = after
        self.limit = limit
    }
}

/// One text of a 1138 page.
public struct GroupHistoryItem: Codable, Sendable, Equatable {
    public var seq: Int64
    public var msgid: String
    public var fromuid: Int64
    public var content: String
    public var time: Int64
    public init(seq: Int64, msgid: String, fromuid: Int64, content: String, time: Int64) {
        self.seq = seq
        self.msgid = msgid
        self.fromuid = fromuid
        self.content = content
        self.time = time
    }
}

/// 1138: oldest first.
public struct GroupHistoryResponse: Codable, Sendable, Equatable {
    public var error: ErrorCode
    public var gid: Int64
    public var messages: [GroupHistoryItem]
    public init(error: ErrorCode = .success, gid: Int64, messages: [GroupHistoryItem]) {
        self.error = error
        self.gid = gid
        self.messages = messages
    }
}

/// 1139: you read the group up to `seq`; 1140 answers the same with `error`.
public struct GroupReadMark: Codable, Sendable, Equatable {
    public var error: ErrorCode?
    public var gid: Int64
    public var seq: Int64
    public init(error: ErrorCode? = nil, gid: Int64, seq: Int64) {
        self.error = error
        self.gid = gid
        self.seq = seq
    }
}

/// One group of 1142.
public struct GroupListEntry: Codable, Sendable, Equatable {
    public var gid: Int64
    public var name: String
    public var owner: Int64
    /// Number of members.
    public var members: Int
    public var lastSeq: Int64
    public var readSeq: Int64
    public var unread: Int64

    enum CodingKeys: String, CodingKey {
        case gid, name, owner, members, unread
        case lastSeq = "last_seq"
        case readSeq = "read_seq"
    }

    public init(gid: Int64, name: String, owner: Int64, members: Int, lastSeq: Int64, readSeq: Int64, unread: Int64) {
        self.gid = gid
        self.name = name
        self.owner = owner
        self.members = members
        self.lastSeq = lastSeq
        self.readSeq = readSeq
        self.unread = unread
    }
}

/// 1142: the groups you are in.
public struct GroupListResponse: Codable, Sendable, Equatable {
    public var error: ErrorCode
    public var groups: [GroupListEntry]
    public init(error: ErrorCode = .success, groups: [GroupListEntry]) {
        self.error = error
        self.groups = groups
    }
}

/// 1143 rename, 1144 its response (with `error`).
public struct GroupRename: Codable, Sendable, Equatable {
    public var error: ErrorCode?
    public var gid: Int64
    public var name: String
    public init(error: ErrorCode? = nil, gid: Int64, name: String) {
        self.error = error
        self.gid = gid
        self.name = name
    }
}

/// 1147 set a member's role (`admin` or `member`), 1148 its response (with `error`).
public struct GroupRoleChange: Codable, Sendable, Equatable {
    public var error: ErrorCode?
    public var gid: Int64
    public var uid: Int64
    public var role: String
    public init(error: ErrorCode? = nil, gid: Int64, uid: Int64, role: String) {
        self.error = error
        self.gid = gid
        self.uid = uid
        self.role = role
    }
}
