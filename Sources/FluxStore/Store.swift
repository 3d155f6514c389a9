/// Durable data: users, friend requests, friendships and messages.
///
/// Implementations: `SQLiteStore` (embedded default) and, later, MariaDB. The conformance suite in
/// `Tests/FluxStoreTests` runs against every implementation.
public protocol Store: GroupStore {
    /// Creates a user and assigns its uid. Throws `.duplicate` with `field` "email" or "name" when either
    /// is taken — decided by the database's unique keys, so concurrent registrations cannot both succeed.
    /// A name is taken when one with the same `UserNameKey` exists (it differs only in case, Unicode
    /// compatibility form, invisible characters or spacing).
    func createUser(_ user: NewUser) async throws(StoreError) -> User
    /// The user with `uid`.
    func user(uid: Int64) async throws(StoreError) -> User?
    /// The user with `email`, compared case-insensitively.
    func user(email: String) async throws(StoreError) -> User?
    /// The user named `name`: the one with exactly that name if any, else the one whose name has the
    /// same `UserNameKey` (at most one: the key is unique).
    func user(name: String) async throws(StoreError) -> User?
    /// Replaces the password hash of `uid`; returns false if no such user.
    func updatePasswordHash(uid: Int64, to hash: String) async throws(StoreError) -> Bool
    /// Up to `limit` users with a uid above `after`, by uid (operators page through with the last uid).
    func users(after: Int64, limit: Int) async throws(StoreError) -> [User]
    /// Disables (or enables) an account; returns false if no such user. A disabled account cannot log in.
    func setDisabled(uid: Int64, _ disabled: Bool) async throws(StoreError) -> Bool
    /// Deletes the account and everything that is only about it: its friendships and friend requests in both
    /// directions, its receipts, and the messages it sent or received. Returns false if no such user.
    func deleteUser(uid: Int64) async throws(StoreError) -> Bool
    /// Makes `a` and `b` friends in both directions without a request (operators), each with a back name.
    func addFriendship(_ a: Int64, _ b: Int64, backOfB: String, backOfA: String) async throws(StoreError)
    /// Changes a user's profile fields; returns the updated user, or nil if no such user.
    func updateProfile(uid: Int64, _ change: ProfileChange) async throws(StoreError) -> User?

    // MARK: Friends

    /// Records that `from` asks `to` to be friends; asking again updates the names (one row per pair).
    /// An accepted request stays accepted.
    func saveFriendRequest(from: Int64, to: Int64, applyName: String, backName: String) async throws(StoreError)
    /// Requests made to `uid`, newest first, with each applicant's profile.
    func friendRequests(to uid: Int64, limit: Int) async throws(StoreError) -> [(FriendRequest, User)]
    /// `accepter` accepts `applicant`'s request: marks it accepted and writes the friendship in both
    /// directions (the accepter's back name is `back`, the applicant's is the one given in the request),
    /// in one transaction. Returns false if there is no such request.
    func acceptFriendRequest(accepter: Int64, applicant: Int64, back: String) async throws(StoreError) -> Bool
    /// The friends of `uid` with the back names `uid` gave them.
    func friends(of uid: Int64) async throws(StoreError) -> [Friend]
    /// Whether `a` has `b` as a friend.
    func areFriends(_ a: Int64, _ b: Int64) async throws(StoreError) -> Bool

    // MARK: Messages

    /// Stores `messages` in one transaction, in order, each with the next sequence number of its
    /// conversation. A message whose sender already stored its `clientMsgID` for the same recipient is not
    /// stored again: its stored copy is returned instead. The result has one entry per input, in order.
    /// In the same transaction, marks the messages `delivered` (ids stored earlier) exactly as
    /// `markDelivered` does: a chat node's delivery records ride on its text commits instead of taking the
    /// writer for transactions of their own.
    func appendMessages(_ messages: [NewMessage], markingDelivered delivered: [Int64]) async throws(StoreError) -> [StoredMessage]
    /// The store's blocking text commits for a dedicated writer thread, if it has them (SQLite).
    var blockingTextCommits: (any BlockingTextCommits)? { get }
    /// Messages to `uid` not yet marked delivered and with an id above `after`, oldest first
    /// (`after` pages through a backlog longer than `limit`).
    func undeliveredMessages(to uid: Int64, after: Int64, limit: Int) async throws(StoreError) -> [StoredMessage]
    /// Which of `uids` have messages not yet marked delivered that were stored before `storedBefore`
    /// (milliseconds since 1970): the recipients a chat node must re-send to.
    func recipientsWithUndelivered(among uids: [Int64], storedBefore: Int64) async throws(StoreError) -> Set<Int64>
    /// Marks exactly these messages delivered. Per message, not a cursor: a message that was never
    /// written to its recipient stays undelivered even when later ones were.
    func markDelivered(messageIDs: [Int64]) async throws(StoreError)
    /// Up to `limit` messages between `uid` and `peer`, oldest first.
    func history(uid: Int64, peer: Int64, page: HistoryPage, limit: Int) async throws(StoreError) -> [StoredMessage]
    /// The newest `limit` messages `uid` sent or received in any conversation, oldest first (operators).
    func recentMessages(of uid: Int64, limit: Int) async throws(StoreError) -> [StoredMessage]
    /// Records that `reader` received (or read) `peer`'s messages up to `seq` (never moves back).
    func saveReceipt(reader: Int64, peer: Int64, seq: Int64, read: Bool) async throws(StoreError)
    /// How far `reader` has received and read `peer`'s messages (0 and 0 when it never said).
    func receipt(reader: Int64, peer: Int64) async throws(StoreError) -> ReceiptMarks
    /// Number of stored messages.
    func messageCount() async throws(StoreError) -> Int

    /// Migrations applied to the database, and those this binary knows but has not applied.
    func migrationStatus() async throws(StoreError) -> (applied: [String], pending: [String])

    /// Number of registered users.
    func userCount() async throws(StoreError) -> Int
    /// Flushes and closes; later calls fail with `.unavailable`.
    func close() async throws(StoreError)
}
