/// The 2-byte message id at the start of every chat frame.
public struct MessageID: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: UInt16

    public init(rawValue: UInt16) { self.rawValue = rawValue }

    /// c→s `{uid, token}`.
    public static let chatLogin = MessageID(rawValue: 1005)
    /// s→c login result with profile, `apply_list` and `friend_list`.
    public static let chatLoginResponse = MessageID(rawValue: 1006)
    /// c→s `{uid: string}`: digits look up a uid, anything else a user name.
    public static let searchUser = MessageID(rawValue: 1007)
    /// s→c search result.
    public static let searchUserResponse = MessageID(rawValue: 1008)
    /// c→s friend request.
    public static let addFriend = MessageID(rawValue: 1009)
    /// s→c friend request result.
    public static let addFriendResponse = MessageID(rawValue: 1010)
    /// s→c a friend request arrived.
    public static let notifyAddFriend = MessageID(rawValue: 1011)
    /// c→s accept a friend request.
    public static let authFriend = MessageID(rawValue: 1013)
    /// s→c accept result.
    public static let authFriendResponse = MessageID(rawValue: 1014)
    /// s→c your friend request was accepted.
    public static let notifyAuthFriend = MessageID(rawValue: 1015)
    /// c→s text messages.
    public static let textChat = MessageID(rawValue: 1017)
    /// s→c the texts are stored.
    public static let textChatResponse = MessageID(rawValue: 1018)
    /// s→c texts for you.
    public static let notifyTextChat = MessageID(rawValue: 1019)
    /// s→c this connection was replaced by a newer login and will be closed.
    public static let notifyOffline = MessageID(rawValue: 1021)
    /// c→s heartbeat.
    public static let heartbeat = MessageID(rawValue: 1023)
    /// s→c heartbeat reply.
    public static let heartbeatResponse = MessageID(rawValue: 1024)

    /// The largest id the original server accepted; Flux's own ids (from 1101) stay below it.
    public static let originalMaximum: UInt16 = 2048

    public var description: String { "\(rawValue)" }
}
