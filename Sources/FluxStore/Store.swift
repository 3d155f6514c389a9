/// Durable data: users, friend requests, friendships and messages.
///
/// Implementations: `SQLiteStore` (embedded default) and, later, MariaDB. The conformance suite in
/// `Tests/FluxStoreTests` runs against every implementation.
public protocol Store: Sendable {
    /// Creates a user and assigns its uid. Throws `.duplicate` with `field` "email" or "name" when either
    /// is taken — decided by the database's unique keys, so concurrent registrations cannot both succeed.
    func createUser(_ user: NewUser) async throws(StoreError) -> User
    /// The user with `uid`.
    func user(uid: Int64) async throws(StoreError) -> User?
    /// The user with `email`, compared case-insensitively.
    func user(email: String) async throws(StoreError) -> User?
    /// The user named `name` (exact match).
    func user(name: String) async throws(StoreError) -> User?
    /// Replaces the password hash of `uid`; returns false if no such user.
    func updatePasswordHash(uid: Int64, to hash: String) async throws(StoreError) -> Bool
    /// Number of registered users.
    func userCount() async throws(StoreError) -> Int
    /// Flushes and closes; later calls fail with `.unavailable`.
    func close() async throws(StoreError)
}
