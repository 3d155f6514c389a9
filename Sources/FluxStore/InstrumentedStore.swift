import FluxInstruments

/// A `Store` that times every call of the store it wraps (`flux_store_call_seconds{op}`) and counts its
/// failures (`flux_store_errors_total{op}`). Behaviour is the wrapped store's, unchanged.
public final class InstrumentedStore: Store {
    /// The wrapped store (for features outside the protocol, such as SQLite's online backup).
    public let base: any Store
    let instruments = CallInstruments(prefix: "flux_store")

    public init(_ base: any Store) {
        self.base = base
    }

    public func createUser(_ user: NewUser) async throws(StoreError) -> User {
        try await instruments.timed("createUser") { () async throws(StoreError) in try await base.createUser(user) }
    }
    public func user(uid: Int64) async throws(StoreError) -> User? {
        try await instruments.timed("userByUID") { () async throws(StoreError) in try await base.user(uid: uid) }
    }
    public func user(email: String) async throws(StoreError) -> User? {
        try await instruments.timed("userByEmail") { () async throws(StoreError) in try await base.user(email: email) }
    }
    public func user(name: String) async throws(StoreError) -> User? {
        try await instruments.timed("userByName") { () async throws(StoreError) in try await base.user(name: name) }
    }
    public func updatePasswordHash(uid: Int64, to hash: String) async throws(StoreError) -> Bool {
        try await instruments.timed("updatePasswordHash") { () async throws(StoreError) in try await base.updatePasswordHash(uid: uid, to: hash) }
    }
    public func users(after: Int64, limit: Int) async throws(StoreError) -> [User] {
        try await instruments.timed("users") { () async throws(StoreError) in try await base.users(after: after, limit: limit) }
    }
    public func setDisabled(uid: Int64, _ disabled: Bool) async throws(StoreError) -> Bool {
        try await instruments.timed("setDisabled") { () async throws(StoreError) in try await base.setDisabled(uid: uid, disabled) }
    }
    public func deleteUser(uid: Int64) async throws(StoreError) -> Bool {
        try await instruments.timed("deleteUser") { () async throws(StoreError) in try await base.deleteUser(uid: uid) }
    }
    public func addFriendship(_ a: Int64, _ b: Int64, backOfB: String, backOfA: String) async throws(StoreError) {
        try await instruments.timed("addFriendship") { () async throws(StoreError) in try await base.addFriendship(a, b, backOfB: backOfB, backOfA: backOfA) }
    }
    public func updateProfile(uid: Int64, _ change: ProfileChange) async throws(StoreError) -> User? {
        try await instruments.timed("updateProfile") { () async throws(StoreError) in try await base.updateProfile(uid: uid, change) }
    }
    public func saveFriendRequest(from: Int64, to: Int64, applyName: String, backName: String) async throws(StoreError) {
        try await instruments.timed("saveFriendRequest") { () async throws(StoreError) in
            try await base.saveFriendRequest(from: from, to: to, applyName: applyName, backName: backName)
        }
    }
    public func friendRequests(to uid: Int64, limit: Int) async throws(StoreError) -> [(FriendRequest, User)] {
        try await instruments.timed("friendRequests") { () async throws(StoreError) in try await base.friendRequests(to: uid, limit: limit) }
    }
    public func acceptFriendRequest(accepter: Int64, applicant: Int64, back: String) async throws(StoreError) -> Bool {
        try await instruments.timed("acceptFriendRequest") { () async throws(StoreError) in
            try await base.acceptFriendRequest(accepter: accepter, applicant: applicant, back: back)
        }
    }
    public func friends(of uid: Int64) async throws(StoreError) -> [Friend] {
        try await instruments.timed("friends") { () async throws(StoreError) in try await base.friends(of: uid) }
    }
    public func areFriends(_ a: Int64, _ b: Int64) async throws(StoreError) -> Bool {
        try await instruments.timed("areFriends") { () async throws(StoreError) in try await base.areFriends(a, b) }
    }
    public func appendMessages(_ messages: [NewMessage], markingDelivered delivered: [Int64]) async throws(StoreError) -> [StoredMessage] {
        try await instruments.timed("appendMessages") { () async throws(StoreError) in
            try await base.appendMessages(messages, markingDelivered: delivered)
        }
    }
    public var blockingTextCommits: (any BlockingTextCommits)? {
        base.blockingTextCommits.map { TimedTextCommits(base: $0, instruments: instruments) }
    }
    public func undeliveredMessages(to uid: Int64, after: Int64, limit: Int) async throws(StoreError) -> [StoredMessage] {
        try await instruments.timed("undeliveredMessages") { () async throws(StoreError) in try await base.undeliveredMessages(to: uid, after: after, limit: limit) }
    }
    public func recipientsWithUndelivered(among uids: [Int64], storedBefore: Int64) async throws(StoreError) -> Set<Int64> {
        try await instruments.timed("recipientsWithUndelivered") { () async throws(StoreError) in
            try await base.recipientsWithUndelivered(among: uids, storedBefore: storedBefore)
        }
    }
    public func markDelivered(messageIDs: [Int64]) async throws(StoreError) {
        try await instruments.timed("markDelivered") { () async throws(StoreError) in try await base.markDelivered(messageIDs: messageIDs) }
    }
    public func history(uid: Int64, peer: Int64, page: HistoryPage, limit: Int) async throws(StoreError) -> [StoredMessage] {
        try await instruments.timed("history") { () async throws(StoreError) in try await base.history(uid: uid, peer: peer, page: page, limit: limit) }
    }
    public func recentMessages(of uid: Int64, limit: Int) async throws(StoreError) -> [StoredMessage] {
        try await instruments.timed("recentMessages") { () async throws(StoreError) in try await base.recentMessages(of: uid, limit: limit) }
    }
    public func saveReceipt(reader: Int64, peer: Int64, seq: Int64, read: Bool) async throws(StoreError) {
        try await instruments.timed("saveReceipt") { () async throws(StoreError) in try await base.saveReceipt(reader: reader, peer: peer, seq: seq, read: read) }
    }
    public func receipt(reader: Int64, peer: Int64) async throws(StoreError) -> ReceiptMarks {
        try await instruments.timed("receipt") { () async throws(StoreError) in try await base.receipt(reader: reader, peer: peer) }
    }
    public func messageCount() async throws(StoreError) -> Int {
        try await instruments.timed("messageCount") { () async throws(StoreError) in try await base.messageCount() }
    }
    public func migrationStatus() async throws(StoreError) -> (applied: [String], pending: [String]) {
        try await instruments.timed("migrationStatus") { () async throws(StoreError) in try await base.migrationStatus() }
    }
    public func userCount() async throws(StoreError) -> Int {
        try await instruments.timed("userCount") { () async throws(StoreError) in try await base.userCount() }
    }
    public func close() async throws(StoreError) {
        try await base.close()
    }
}

/// Blocking text commits timed as `appendMessages`, like the async ones.
struct TimedTextCommits: BlockingTextCommits {
    let base: any BlockingTextCommits
    let instruments: CallInstruments

    /// Timed only when it copied: the timer's count is the number of idle checkpoints.
    func checkpointIfDue() -> Bool {
        let start = ContinuousClock.now
        guard base.checkpointIfDue() else { return false }
        instruments.record("checkpoint", since: start)
        return true
    }

    func appendMessagesBlocking(_ messages: [NewMessage], markingDelivered delivered: [Int64]) throws(StoreError) -> [StoredMessage] {
        try instruments.timedBlocking("appendMessages") { () throws(StoreError) in
            try base.appendMessagesBlocking(messages, markingDelivered: delivered)
        }
    }
}
