// Bodies of Flux's own chat messages (ids from 1101), documented in docs/protocol.md.

/// A reply that carries only `error` (1010, 1116, and any error reply).
public struct ErrorReply: Codable, Sendable, Equatable {
    public var error: ErrorCode
    public init(error: ErrorCode) { self.error = error }
}

/// 1117: a frame could not be handled.
public struct ErrorNotice: Codable, Sendable, Equatable {
    public var error: ErrorCode
    /// The id of the offending frame.
    public var msgid: Int
    public var reason: String
    public init(error: ErrorCode, msgid: Int, reason: String) {
        self.error = error
        self.msgid = msgid
        self.reason = reason
    }
}

/// 1101: up to `limit` messages of the conversation with `peer`, older than `before` or newer than `after`
/// (sequence numbers); with neither, the newest.
public struct HistoryRequest: Codable, Sendable, Equatable {
    public var peer: Int64
    public var before: Int64?
    public var after: Int64?
    public var limit: Int?
    public init(peer: Int64, before: Int64? = nil, after: Int64? = nil, limit: Int? = nil) {
        self.peer = peer
        self.before = before
        self.after = after
        self.limit = limit
    }
}

/// One stored message in a history page.
public struct HistoryItem: Codable, Sendable, Equatable {
    public var seq: Int64
    public var msgid: String
    public var fromuid: Int64
    public var touid: Int64
    public var content: String
    public var time: Int64
    public init(seq: Int64, msgid: String, fromuid: Int64, touid: Int64, content: String, time: Int64) {
        self.seq = seq
        self.msgid = msgid
        self.fromuid = fromuid
        self.touid = touid
        self.content = content
        self.time = time
    }
}

/// 1102: a history page, oldest first. Flux adds how far `peer` has received and read your messages
/// (their 1105 receipts), so a client shows the ticks of a page it loads anew.
public struct HistoryResponse: Codable, Sendable, Equatable {
    public var error: ErrorCode
    public var peer: Int64
    public var messages: [HistoryItem]
    public var peerDelivered: Int64?
    public var peerRead: Int64?

    enum CodingKeys: String, CodingKey {
        case error, peer, messages
        case peerDelivered = "peer_delivered"
        case peerRead = "peer_read"
    }

    public init(error: ErrorCode = .success, peer: Int64, messages: [HistoryItem], peerDelivered: Int64? = nil, peerRead: Int64? = nil) {
        self.error = error
        self.peer = peer
        self.messages = messages
        self.peerDelivered = peerDelivered
        self.peerRead = peerRead
    }
}

/// 1103: the offline backlog (`count` messages as 1019) has been sent.
public struct BacklogDoneNotice: Codable, Sendable, Equatable {
    public var error: ErrorCode
    public var count: Int
    public init(error: ErrorCode = .success, count: Int) {
        self.error = error
        self.count = count
    }
}

/// Delivered or read.
public enum ReceiptKind: String, Codable, Sendable, Equatable {
    case delivered, read
}

/// 1105 request and 1106 response: messages from `peer` up to `seq` were delivered or read.
public struct ReceiptMessage: Codable, Sendable, Equatable {
    public var error: ErrorCode?
    public var peer: Int64
    public var seq: Int64
    public var kind: ReceiptKind
    public init(error: ErrorCode? = nil, peer: Int64, seq: Int64, kind: ReceiptKind) {
        self.error = error
        self.peer = peer
        self.seq = seq
        self.kind = kind
    }
}

/// 1107 to the sender: `fromuid` received or read their messages up to `seq`.
public struct ReceiptNotice: Codable, Sendable, Equatable {
    public var error: ErrorCode
    public var fromuid: Int64
    public var seq: Int64
    public var kind: ReceiptKind
    public init(error: ErrorCode = .success, fromuid: Int64, seq: Int64, kind: ReceiptKind) {
        self.error = error
        self.fromuid = fromuid
        self.seq = seq
        self.kind = kind
    }
}

/// 1109: the fields to change; absent fields keep their value.
public struct UpdateProfileRequest: Codable, Sendable, Equatable {
    public var nick: String?
    public var desc: String?
    public var sex: Int?
    public var icon: String?
    public init(nick: String? = nil, desc: String? = nil, sex: Int? = nil, icon: String? = nil) {
        self.nick = nick
        self.desc = desc
        self.sex = sex
        self.icon = icon
    }
}

/// 1110 (to the user) and 1111 (to online friends): a profile.
public struct ProfileMessage: Codable, Sendable, Equatable {
    public var error: ErrorCode
    public var uid: Int64
    public var name: String
    public var nick: String
    public var desc: String
    public var sex: Int
    public var icon: String
    public init(error: ErrorCode = .success, uid: Int64, name: String, nick: String, desc: String, sex: Int, icon: String) {
        self.error = error
        self.uid = uid
        self.name = name
        self.nick = nick
        self.desc = desc
        self.sex = sex
        self.icon = icon
    }
}

/// 1113: a friend came online or went offline.
public struct PresenceNotice: Codable, Sendable, Equatable {
    public var error: ErrorCode
    public var uid: Int64
    public var online: Bool
    public init(error: ErrorCode = .success, uid: Int64, online: Bool) {
        self.error = error
        self.uid = uid
        self.online = online
    }
}
