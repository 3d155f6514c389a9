/// Shared, rebuildable state: tokens, codes, locks, counters, node registry, cached profiles.
///
/// Implementations: `MemoryKeyValueStore` (one process) and, later, Redis. Semantics follow Redis so both
/// behave alike; the conformance suite in `Tests/FluxKVTests` runs against every implementation.
/// A `ttl` of nil means the key does not expire.
public protocol KeyValueStore: Sendable {
    /// The string at `key`, or nil if absent or expired.
    func get(_ key: String) async throws(KVError) -> String?
    /// The strings at `keys`, in order; nil where absent, expired or not a string (`MGET`: one round trip).
    func get(_ keys: [String]) async throws(KVError) -> [String?]
    /// Stores `value` at `key`, replacing any value and its expiry.
    func set(_ key: String, _ value: String, ttl: Duration?) async throws(KVError)
    /// Stores `value` only if `key` is absent (`SET NX`); returns whether it did.
    func setIfAbsent(_ key: String, _ value: String, ttl: Duration?) async throws(KVError) -> Bool
    /// Removes `key` of any type; returns whether it existed.
    @discardableResult
    func delete(_ key: String) async throws(KVError) -> Bool
    /// Removes `key` only if it holds `expected` (lock release); returns whether it did.
    func compareAndDelete(_ key: String, expected: String) async throws(KVError) -> Bool
    /// Adds `delta` to the integer at `key` (absent counts as 0) and returns the new value. When the key is
    /// created by this call, it gets `ttlIfCreated`; an existing key keeps its expiry.
    func increment(_ key: String, by delta: Int64, ttlIfCreated: Duration?) async throws(KVError) -> Int64
    /// Time left before `key` expires; nil if it is absent or does not expire.
    func timeToLive(_ key: String) async throws(KVError) -> Duration?
    /// Sets a new expiry on an existing key; returns whether the key existed.
    @discardableResult
    func expire(_ key: String, ttl: Duration) async throws(KVError) -> Bool

    /// Sets `field` of the hash at `key`.
    func hashSet(_ key: String, field: String, value: String) async throws(KVError)
    /// `field` of the hash at `key`.
    func hashGet(_ key: String, field: String) async throws(KVError) -> String?
    /// Every field of the hash at `key` (empty if absent).
    func hashGetAll(_ key: String) async throws(KVError) -> [String: String]
    /// Removes `field`; returns whether it existed. An emptied hash is removed.
    @discardableResult
    func hashDelete(_ key: String, field: String) async throws(KVError) -> Bool
    /// Adds `delta` to the integer in `field` and returns the new value.
    func hashIncrement(_ key: String, field: String, by delta: Int64) async throws(KVError) -> Int64
}

extension KeyValueStore {
    /// Stores `value` at `key` without expiry.
    public func set(_ key: String, _ value: String) async throws(KVError) {
        try await set(key, value, ttl: nil)
    }
}
