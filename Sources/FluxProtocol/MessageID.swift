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

    // Flux additions (docs/protocol.md).

    /// c→s history of one conversation before or after a sequence number.
    public static let history = MessageID(rawValue: 1101)
    /// s→c history page.
    public static let historyResponse = MessageID(rawValue: 1102)
    /// s→c every message missed while offline has been sent.
    public static let notifyBacklogDone = MessageID(rawValue: 1103)
    /// c→s delivered/read receipt up to a sequence number.
    public static let receipt = MessageID(rawValue: 1105)
    /// s→c receipt stored.
    public static let receiptResponse = MessageID(rawValue: 1106)
    /// s→c the peer received or read your messages up to a sequence number.
    public static let notifyReceipt = MessageID(rawValue: 1107)
    /// c→s update your nick, desc, sex, icon.
    public static let updateProfile = MessageID(rawValue: 1109)
    /// s→c the updated profile.
    public static let updateProfileResponse = MessageID(rawValue: 1110)
    /// s→c a friend changed their profile.
    public static let notifyProfile = MessageID(rawValue: 1111)
    /// s→c a friend came online or went offline.
    public static let notifyPresence = MessageID(rawValue: 1113)
    /// c→s log out: the session and the token end.
    public static let logout = MessageID(rawValue: 1115)
    /// s→c logged out; the server closes the connection.
    public static let logoutResponse = MessageID(rawValue: 1116)
    /// s→c a frame could not be handled (unknown id, oversized frame); `msgid` names it.
    public static let notifyError = MessageID(rawValue: 1117)
    /// s→c this node is draining: reconnect to the node named in the notice, with its token (or log in
    /// at the gate again when none is named). The server closes the connection after a grace period.
    public static let notifyReconnect = MessageID(rawValue: 1119)


    // Groups (docs/protocol.md, "Groups").

    /// c→s create a group; 1122 answers.
    public static let groupCreate = MessageID(rawValue: 1121)
    /// c→s add members (owner, admins); 1124 answers.
    public static let groupAdd = MessageID(rawValue: 1123)
    /// c→s leave a group; 1126 answers.
    public static let groupLeave = MessageID(rawValue: 1125)
    /// c→s remove a member; 1128 answers.
    public static let groupRemove = MessageID(rawValue: 1127)
    /// c→s a group with its members; 1130 answers.
    public static let groupInfo = MessageID(rawValue: 1129)
    /// s→c something happened to one of your groups.
    public static let notifyGroup = MessageID(rawValue: 1131)
    /// c→s texts to a group; 1134 answers once they are stored.
    public static let groupText = MessageID(rawValue: 1133)
    /// s→c group texts for you.
    public static let notifyGroupText = MessageID(rawValue: 1135)
    /// c→s a page of a group's texts; 1138 answers.
    public static let groupHistory = MessageID(rawValue: 1137)
    /// c→s you read a group up to a sequence number; 1140 answers.
    public static let groupRead = MessageID(rawValue: 1139)
    /// c→s the groups you are in; 1142 answers.
    public static let groupList = MessageID(rawValue: 1141)
    /// c→s rename a group (owner, admins); 1144 answers.
    public static let groupRename = MessageID(rawValue: 1143)
    /// c→s make a member an admin or a plain member (owner); 1148 answers.
    public static let groupSetRole = MessageID(rawValue: 1147)

    /// The response id of a request: the request id plus one, as in the original.
    public var response: MessageID { MessageID(rawValue: rawValue &+ 1) }

    /// The largest id the original server accepted; Flux's own ids (from 1101) stay below it.
    public static let originalMaximum: UInt16 = 2048

    public var description: String { "\(rawValue)" }
}
