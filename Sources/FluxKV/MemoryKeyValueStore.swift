/// The in-process `KeyValueStore` for a single `flux --role all` process.
///
/// Expired keys are invisible at once and removed lazily on access, plus a sweep every
/// `sweepInterval` operations, so memory stays bounded by the live keys.
public actor MemoryKeyValueStore: KeyValueStore {
    private enum Value {
        case string(String)
        case hash([String: String])
    }

    private struct Entry {
        var value: Value
        var expiresAt: ContinuousClock.Instant?
    }

    private var entries: [String: Entry] = [:]
    private var operationsSinceSweep = 0
    private let sweepInterval = 1024
    private let now: @Sendable () -> ContinuousClock.Instant

    /// `now` tells the time expiries are measured against (injected by tests).
    public init(now: @escaping @Sendable () -> ContinuousClock.Instant = { ContinuousClock.now }) {
        self.now = now
    }

    public func get(_ key: String) throws(KVError) -> String? {
        guard let entry = live(key) else { return nil }
        guard case .string(let value) = entry.value else { throw wrongType(key) }
        return value
    }

    public func get(_ keys: [String]) -> [String?] {
        keys.map { key in
            guard case .string(let value)? = live(key)?.value else { return nil }
            return value
        }
    }

    public func set(_ key: String, _ value: String, ttl: Duration?) {
        entries[key] = Entry(value: .string(value), expiresAt: deadline(ttl))
    }

    public func setIfAbsent(_ key: String, _ value: String, ttl: Duration?) -> Bool {
        guard live(key) == nil else { return false }
        entries[key] = Entry(value: .string(value), expiresAt: deadline(ttl))
        return true
    }

    public func delete(_ key: String) -> Bool {
        let existed = live(key) != nil
        entries[key] = nil
        return existed
    }

    public func compareAndDelete(_ key: String, expected: String) -> Bool {
        guard let entry = live(key), case .string(let value) = entry.value, value == expected else { return false }
        entries[key] = nil
        return true
    }

    public func increment(_ key: String, by delta: Int64, ttlIfCreated: Duration?) throws(KVError) -> Int64 {
        guard let entry = live(key) else {
            entries[key] = Entry(value: .string(String(delta)), expiresAt: deadline(ttlIfCreated))
            return delta
        }
        guard case .string(let text) = entry.value, let current = Int64(text) else {
            throw KVError(.wrongType, "value at \(key) is not an integer")
        }
        let (next, overflow) = current.addingReportingOverflow(delta)
        if overflow { throw KVError(.wrongType, "increment of \(key) would overflow") }
        entries[key]?.value = .string(String(next))
        return next
    }

    public func timeToLive(_ key: String) -> Duration? {
        guard let expiresAt = live(key)?.expiresAt else { return nil }
        return now().duration(to: expiresAt)
    }

    public func expire(_ key: String, ttl: Duration) -> Bool {
        guard live(key) != nil else { return false }
        entries[key]?.expiresAt = deadline(ttl)
        return true
    }

    public func hashSet(_ key: String, field: String, value: String) throws(KVError) {
        var hash = try liveHash(key) ?? [:]
        hash[field] = value
        let expiresAt = entries[key]?.expiresAt
        entries[key] = Entry(value: .hash(hash), expiresAt: expiresAt)
    }

    public func hashGet(_ key: String, field: String) throws(KVError) -> String? {
        try liveHash(key)?[field]
    }

    public func hashGetAll(_ key: String) throws(KVError) -> [String: String] {
        try liveHash(key) ?? [:]
    }

    public func hashDelete(_ key: String, field: String) throws(KVError) -> Bool {
        guard var hash = try liveHash(key), hash.removeValue(forKey: field) != nil else { return false }
        if hash.isEmpty {
            entries[key] = nil
        } else {
            entries[key]?.value = .hash(hash)
        }
        return true
    }

    public func hashIncrement(_ key: String, field: String, by delta: Int64) throws(KVError) -> Int64 {
        var hash = try liveHash(key) ?? [:]
        let current: Int64
        if let text = hash[field] {
            guard let value = Int64(text) else { throw KVError(.wrongType, "field \(field) of \(key) is not an integer") }
            current = value
        } else {
            current = 0
        }
        let (next, overflow) = current.addingReportingOverflow(delta)
        if overflow { throw KVError(.wrongType, "increment of \(key).\(field) would overflow") }
        hash[field] = String(next)
        let expiresAt = entries[key]?.expiresAt
        entries[key] = Entry(value: .hash(hash), expiresAt: expiresAt)
        return next
    }

    // MARK: - Expiry

    /// The entry at `key` if it has not expired; removes it if it has.
    private func live(_ key: String) -> Entry? {
        sweepIfDue()
        guard let entry = entries[key] else { return nil }
        if let expiresAt = entry.expiresAt, expiresAt <= now() {
            entries[key] = nil
            return nil
        }
        return entry
    }

    private func liveHash(_ key: String) throws(KVError) -> [String: String]? {
        guard let entry = live(key) else { return nil }
        guard case .hash(let hash) = entry.value else { throw wrongType(key) }
        return hash
    }

    private func deadline(_ ttl: Duration?) -> ContinuousClock.Instant? {
        ttl.map { now().advanced(by: $0) }
    }

    private func sweepIfDue() {
        operationsSinceSweep += 1
        guard operationsSinceSweep >= sweepInterval else { return }
        operationsSinceSweep = 0
        let now = now()
        entries = entries.filter { _, entry in entry.expiresAt.map { $0 > now } ?? true }
    }

    private func wrongType(_ key: String) -> KVError {
        KVError(.wrongType, "value at \(key) has another type")
    }
}
