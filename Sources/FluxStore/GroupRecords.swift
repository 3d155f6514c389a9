/// A member's standing in a group.
public enum GroupRole: String, Sendable, Hashable, Codable, CaseIterable {
    /// Exactly one per group: renames, adds and removes anyone, sets roles.
    case owner
    /// Renames, adds members, removes plain members.
    case admin
    /// Sends and reads.
    case member

    /// Whether this role may add members and rename the group.
    public var canManage: Bool { self != .member }
}

/// Limits on groups a store enforces inside the transaction that would break them, so concurrent
/// requests on several chat nodes cannot exceed them together.
public struct GroupLimits: Sendable, Hashable {
    /// Members per group, the owner included.
    public var maxMembers: Int
    /// Groups one user may belong to.
    public var maxGroupsPerUser: Int
    public init(maxMembers: Int = 500, maxGroupsPerUser: Int = 200) {
        self.maxMembers = maxMembers
        self.maxGroupsPerUser = maxGroupsPerUser
    }
}

/// A group as listed: its name, owner, size and newest sequence number.
public struct GroupInfo: Sendable, Hashable {
    public var gid: Int64
    public var name: String
    /// 0 only while a group has no owner (never after a committed change).
    public var ownerUID: Int64
    public var memberCount: Int
    /// The sequence number of the newest text (0 before the first).
    public var lastSeq: Int64
    /// Milliseconds since 1970.
    public var createdAt: Int64
    public init(gid: Int64, name: String, ownerUID: Int64, memberCount: Int, lastSeq: Int64, createdAt: Int64) {
        self.gid = gid
        self.name = name
        self.ownerUID = ownerUID
        self.memberCount = memberCount
        self.lastSeq = lastSeq
        self.createdAt = createdAt
    }
}

/// One member of a group with their profile names and cursors.
public struct GroupMember: Sendable, Hashable {
    public var uid: Int64
    public var role: GroupRole
    public var name: String
    public var nick: String
    public var icon: String
    /// Milliseconds since 1970; with the uid, the order in which ownership passes on.
    public var joinedAt: Int64
    /// The highest sequence number written to this member's socket (the catch-up cursor).
    public var deliveredSeq: Int64
    /// The highest sequence number this member said they read.
    public var readSeq: Int64
    public init(
        uid: Int64, role: GroupRole, name: String = "", nick: String = "", icon: String = "", joinedAt: Int64 = 0,
        deliveredSeq: Int64 = 0, readSeq: Int64 = 0
    ) {
        self.uid = uid
        self.role = role
        self.name = name
        self.nick = nick
        self.icon = icon
        self.joinedAt = joinedAt
        self.deliveredSeq = deliveredSeq
        self.readSeq = readSeq
    }
}

/// A group with its members, oldest member first.
public struct GroupDetail: Sendable, Hashable {
    public var info: GroupInfo
    public var members: [GroupMember]
    public init(info: GroupInfo, members: [GroupMember]) {
        self.info = info
        self.members = members
    }

    /// The member with `uid`, if they are one.
    public func member(_ uid: Int64) -> GroupMember? { members.first { $0.uid == uid } }
}

/// One user's membership: the group and where the user's cursors are.
public struct GroupMembership: Sendable, Hashable {
    public var info: GroupInfo
    public var role: GroupRole
    public var deliveredSeq: Int64
    public var readSeq: Int64
    public init(info: GroupInfo, role: GroupRole, deliveredSeq: Int64, readSeq: Int64) {
        self.info = info
        self.role = role
        self.deliveredSeq = deliveredSeq
        self.readSeq = readSeq
    }

    /// Texts after the read cursor.
    public var unread: Int64 { max(0, info.lastSeq - readSeq) }
}

/// What a group change came to. Refusals are outcomes, not errors: they are decided inside the
/// transaction (on locked rows) and each maps to a protocol error code.
public enum GroupOutcome<Value: Sendable>: Sendable {
    case done(Value)
    /// No group with that gid.
    case noSuchGroup
    /// The acting user is not a member (or the member acted on is not one).
    case notMember
    /// The acting user's role does not allow this (or it would act on the owner).
    case notAllowed
    /// The group would have more than `GroupLimits.maxMembers`.
    case full
    /// The user would belong to more than `GroupLimits.maxGroupsPerUser` groups.
    case tooManyGroups(uid: Int64)
}

/// Members added to a group: the group afterwards and who was new.
public struct GroupAddition: Sendable, Hashable {
    public var detail: GroupDetail
    /// The uids that were not members before, in request order.
    public var added: [Int64]
}

/// A member left: the group afterwards (nil: the last member left and it was dissolved) and the new
/// owner if ownership passed on.
public struct GroupDeparture: Sendable, Hashable {
    public var detail: GroupDetail?
    public var newOwner: Int64?
}

/// A group text to store.
public struct NewGroupMessage: Sendable, Hashable {
    public var gid: Int64
    public var fromUID: Int64
    /// The client's `msgid`: a second text with the same group, sender and msgid is the same text.
    public var clientMsgID: String
    public var content: String
    public init(gid: Int64, fromUID: Int64, clientMsgID: String, content: String) {
        self.gid = gid
        self.fromUID = fromUID
        self.clientMsgID = clientMsgID
        self.content = content
    }
}

/// A stored group text (one row, whatever the number of members).
public struct StoredGroupMessage: Sendable, Hashable {
    public var gid: Int64
    /// Position in the group: 1, 2, 3 … without gaps.
    public var seq: Int64
    public var fromUID: Int64
    public var clientMsgID: String
    public var content: String
    /// Milliseconds since 1970.
    public var createdAt: Int64
    /// Set by `appendGroupMessages` when this sender had already stored this msgid in this group.
    public var isDuplicate: Bool
    /// Set by `appendGroupMessages`: the group's members when the text was stored (its recipients are
    /// these but the sender). Empty elsewhere.
    public var members: [Int64]
    public init(
        gid: Int64, seq: Int64, fromUID: Int64, clientMsgID: String, content: String, createdAt: Int64,
        isDuplicate: Bool = false, members: [Int64] = []
    ) {
        self.gid = gid
        self.seq = seq
        self.fromUID = fromUID
        self.clientMsgID = clientMsgID
        self.content = content
        self.createdAt = createdAt
        self.isDuplicate = isDuplicate
        self.members = members
    }
}

/// What became of one group text handed to `appendGroupMessages`.
public enum GroupAppendOutcome: Sendable, Hashable {
    /// Stored now, or stored before (`isDuplicate`).
    case stored(StoredGroupMessage)
    /// The sender is not a member of the group (or there is no such group): nothing stored.
    case notMember
}

/// Where one member stands in one group.
public struct GroupCursor: Sendable, Hashable {
    public var gid: Int64
    public var uid: Int64
    public var seq: Int64
    public init(gid: Int64, uid: Int64, seq: Int64) {
        self.gid = gid
        self.uid = uid
        self.seq = seq
    }
}
