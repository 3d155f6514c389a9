/// The `error` field of every gate response and chat reply.
///
/// Values up to 1011 are the original system's and keep their meaning; Flux's own codes start at 1012
/// and are documented in `docs/protocol.md`.
public struct ErrorCode: RawRepresentable, Hashable, Sendable, Codable, CustomStringConvertible {
    public let rawValue: Int

    public init(rawValue: Int) { self.rawValue = rawValue }

    /// The request succeeded.
    public static let success = ErrorCode(rawValue: 0)
    /// The body is not JSON, lacks a required field, or a field has the wrong type or an invalid value.
    public static let badJSON = ErrorCode(rawValue: 1001)
    /// A role this request needs could not be reached (verify, status, or no live chat node).
    public static let rpcFailed = ErrorCode(rawValue: 1002)
    /// No verification code exists for that e-mail (never sent, expired, used, or too many wrong tries).
    public static let verifyExpired = ErrorCode(rawValue: 1003)
    /// The verification code is wrong.
    public static let verifyCodeWrong = ErrorCode(rawValue: 1004)
    /// The e-mail or the user name is already registered.
    public static let userExists = ErrorCode(rawValue: 1005)
    /// `passwd` and `confirm` differ.
    public static let passwordMismatch = ErrorCode(rawValue: 1006)
    /// The user name does not belong to that e-mail.
    public static let emailNotMatch = ErrorCode(rawValue: 1007)
    /// The password could not be updated.
    public static let passwordUpdateFailed = ErrorCode(rawValue: 1008)
    /// Unknown e-mail or wrong password.
    public static let passwordInvalid = ErrorCode(rawValue: 1009)
    /// The chat login token is wrong or expired.
    public static let tokenInvalid = ErrorCode(rawValue: 1010)
    /// The uid is unknown, or no token was issued for it.
    public static let uidInvalid = ErrorCode(rawValue: 1011)

    // Flux additions.

    /// Too many requests of this kind for this e-mail or client address; retry later.
    public static let rateLimited = ErrorCode(rawValue: 1012)
    /// The request body (HTTP) or frame body (chat) is larger than the configured limit.
    public static let payloadTooLarge = ErrorCode(rawValue: 1013)
    /// A server-side failure (for example the store is unavailable); nothing was changed.
    public static let internalError = ErrorCode(rawValue: 1014)
    /// Text messages go only between friends.
    public static let notFriends = ErrorCode(rawValue: 1015)
    /// The frame's message id is not one the server handles.
    public static let unknownMessage = ErrorCode(rawValue: 1016)
    /// Only login (1005) is accepted before a successful login.
    public static let notLoggedIn = ErrorCode(rawValue: 1017)
    /// A text is longer than the configured limit, or a request carries too many texts.
    public static let textTooLong = ErrorCode(rawValue: 1018)
    /// No friend request from that user to accept.
    public static let noSuchRequest = ErrorCode(rawValue: 1019)
    /// The target is yourself, or otherwise not a valid target for this request.
    public static let invalidTarget = ErrorCode(rawValue: 1020)
    /// You are not a member of that group, or the user acted on is not one.
    public static let notGroupMember = ErrorCode(rawValue: 1021)
    /// Your role in the group does not allow this (or it would act on the owner).
    public static let notAllowed = ErrorCode(rawValue: 1022)
    /// The group has `group.max_members` members already.
    public static let groupFull = ErrorCode(rawValue: 1023)
    /// No group with that gid.
    public static let noSuchGroup = ErrorCode(rawValue: 1024)
    /// A user would be in more than `group.max_groups_per_user` groups.
    public static let tooManyGroups = ErrorCode(rawValue: 1025)

    public var description: String { "\(rawValue)" }

    public init(from decoder: any Decoder) throws {
        self.rawValue = try decoder.singleValueContainer().decode(Int.self)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}
