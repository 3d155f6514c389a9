/// A friend request as stored: `fromUID` asked `toUID`.
public struct FriendRequest: Sendable, Hashable {
    public var fromUID: Int64
    public var toUID: Int64
    /// The name the applicant introduced themselves with.
    public var applyName: String
    /// The display name the applicant gave the other user (their back name once accepted).
    public var backName: String
    /// 0 pending, 1 accepted.
    public var status: Int
    public var updatedAt: Int64

    public init(fromUID: Int64, toUID: Int64, applyName: String, backName: String, status: Int, updatedAt: Int64) {
        self.fromUID = fromUID
        self.toUID = toUID
        self.applyName = applyName
        self.backName = backName
        self.status = status
        self.updatedAt = updatedAt
    }
}

/// A friend of some user, with the display name that user gave them.
public struct Friend: Sendable, Hashable {
    public var user: User
    public var back: String
    public init(user: User, back: String) {
        self.user = user
        self.back = back
    }
}

/// Profile fields to change; nil keeps the stored value.
public struct ProfileChange: Sendable, Hashable {
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

/// A text to store; the store assigns its id and sequence number.
public struct NewMessage: Sendable, Hashable {
    public var fromUID: Int64
    public var toUID: Int64
    /// The client's `msgid`: a second message with the same sender and msgid is the same message.
    public var clientMsgID: String
    public var content: String
    public init(fromUID: Int64, toUID: Int64, clientMsgID: String, content: String) {
        self.fromUID = fromUID
        self.toUID = toUID
        self.clientMsgID = clientMsgID
        self.content = content
    }
}

/// A stored text.
public struct StoredMessage: Sendable, Hashable {
    /// Global arrival order (offline delivery cursor).
    public var id: Int64
    /// `"<smaller uid>:<larger uid>"`.
    public var conversation: String
    /// Position in the conversation: 1, 2, 3 … without gaps.
    public var seq: Int64
    public var fromUID: Int64
    public var toUID: Int64
    public var clientMsgID: String
    public var content: String
    /// Milliseconds since 1970.
    public var createdAt: Int64
    /// Set by `appendMessages` when this sender had already stored this `clientMsgID`.
    public var isDuplicate: Bool
    public init(
        id: Int64, conversation: String, seq: Int64, fromUID: Int64, toUID: Int64, clientMsgID: String, content: String,
        createdAt: Int64, isDuplicate: Bool = false
    ) {
        self.isDuplicate = isDuplicate
        self.id = id
        self.conversation = conversation
        self.seq = seq
        self.fromUID = fromUID
        self.toUID = toUID
        self.clientMsgID = clientMsgID
        self.content = content
        self.createdAt = createdAt
    }

    /// The conversation id of two users, whichever order they are given in.
    public static func conversation(_ a: Int64, _ b: Int64) -> String {
        "\(min(a, b)):\(max(a, b))"
    }
}

/// Which page of a conversation to read.
public enum HistoryPage: Sendable, Hashable {
    /// The newest messages.
    case latest
    /// Messages with a sequence number below this one (scrolling back).
    case before(Int64)
    /// Messages with a sequence number above this one (catching up).
    case after(Int64)
}
