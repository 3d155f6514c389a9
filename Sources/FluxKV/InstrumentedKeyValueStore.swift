import FluxInstruments

/// A `KeyValueStore` that times every call of the one it wraps (`flux_kv_call_seconds{op}`) and counts its
/// failures (`flux_kv_errors_total{op}`). Behaviour is the wrapped store's, unchanged.
public final class InstrumentedKeyValueStore: KeyValueStore {
    public let base: any KeyValueStore
    private let instruments = CallInstruments(prefix: "flux_kv")

    public init(_ base: any KeyValueStore) {
        self.base = base
    }

    public func get(_ key: String) async throws(KVError) -> String? {
        try await instruments.timed("get") { () async throws(KVError) in try await base.get(key) }
    }
    public func get(_ keys: [String]) async throws(KVError) -> [String?] {
        try await instruments.timed("mget") { () async throws(KVError) in try await base.get(keys) }
    }
    public func set(_ key: String, _ value: String, ttl: Duration?) async throws(KVError) {
        try await instruments.timed("set") { () async throws(KVError) in try await base.set(key, value, ttl: ttl) }
    }
    public func setIfAbsent(_ key: String, _ value: String, ttl: Duration?) async throws(KVError) -> Bool {
        try await instruments.timed("setIfAbsent") { () async throws(KVError) in try await base.setIfAbsent(key, value, ttl: ttl) }
    }
    @discardableResult
    public func delete(_ key: String) async throws(KVError) -> Bool {
        try await instruments.timed("delete") { () async throws(KVError) in try await base.delete(key) }
    }
    public func compareAndDelete(_ key: String, expected: String) async throws(KVError) -> Bool {
        try await instruments.timed("compareAndDelete") { () async throws(KVError) in try await base.compareAndDelete(key, expected: expected) }
    }
    public func increment(_ key: String, by delta: Int64, ttlIfCreated: Duration?) async throws(KVError) -> Int64 {
        try await instruments.timed("increment") { () async throws(KVError) in try await base.increment(key, by: delta, ttlIfCreated: ttlIfCreated) }
    }
    public func timeToLive(_ key: String) async throws(KVError) -> Duration? {
        try await instruments.timed("timeToLive") { () async throws(KVError) in try await base.timeToLive(key) }
    }
    @discardableResult
    public func expire(_ key: String, ttl: Duration) async throws(KVError) -> Bool {
        try await instruments.timed("expire") { () async throws(KVError) in try await base.expire(key, ttl: ttl) }
    }
    public func hashSet(_ key: String, field: String, value: String) async throws(KVError) {
        try await instruments.timed("hashSet") { () async throws(KVError) in try await base.hashSet(key, field: field, value: value) }
    }
    public func hashGet(_ key: String, field: String) async throws(KVError) -> String? {
        try await instruments.timed("hashGet") { () async throws(KVError) in try await base.hashGet(key, field: field) }
    }
    public func hashGetAll(_ key: String) async throws(KVError) -> [String: String] {
        try await instruments.timed("hashGetAll") { () async throws(KVError) in try await base.hashGetAll(key) }
    }
    @discardableResult
    public func hashDelete(_ key: String, field: String) async throws(KVError) -> Bool {
        try await instruments.timed("hashDelete") { () async throws(KVError) in try await base.hashDelete(key, field: field) }
    }
    public func hashIncrement(_ key: String, field: String, by delta: Int64) async throws(KVError) -> Int64 {
        try await instruments.timed("hashIncrement") { () async throws(KVError) in try await base.hashIncrement(key, field: field, by: delta) }
    }
}
