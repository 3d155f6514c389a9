import FluxKV

/// Who is logged in where (`uip_<uid>` → `PresenceEntry`). Chat nodes write their own sessions' entries
/// and re-assert them after the KV lost its data; everyone else only reads.
public struct PresenceDirectory: Sendable {
    let kv: any KeyValueStore

    public init(kv: any KeyValueStore) {
        self.kv = kv
    }

    /// `uid`'s entry; nil if absent or unreadable.
    public func entry(of uid: Int64) async throws(KVError) -> PresenceEntry? {
        try await kv.get(KeyNames.presence(uid)).flatMap(PresenceEntry.init(parsing:))
    }

    /// The entries of `uids` in one round trip per 500 users.
    public func entries(of uids: [Int64]) async throws(KVError) -> [Int64: PresenceEntry] {
        var found: [Int64: PresenceEntry] = [:]
        var start = 0
        while start < uids.count {
            let chunk = Array(uids[start..<min(start + 500, uids.count)])
            let values = try await kv.get(chunk.map(KeyNames.presence))
            for (uid, value) in zip(chunk, values) {
                if let entry = value.flatMap(PresenceEntry.init(parsing:)) { found[uid] = entry }
            }
            start += 500
        }
        return found
    }

    /// Records `entry` as `uid`'s, replacing any other.
    public func record(_ entry: PresenceEntry, for uid: Int64) async throws(KVError) {
        try await kv.set(KeyNames.presence(uid), entry.value, ttl: nil)
    }

    /// Records `entry` only if `uid` has none (re-assertion must not overwrite a newer login).
    public func recordIfAbsent(_ entry: PresenceEntry, for uid: Int64) async throws(KVError) -> Bool {
        try await kv.setIfAbsent(KeyNames.presence(uid), entry.value, ttl: nil)
    }

    /// Removes `uid`'s entry if it is still `entry`; returns whether it was.
    public func forget(_ entry: PresenceEntry, for uid: Int64) async throws(KVError) -> Bool {
        try await kv.compareAndDelete(KeyNames.presence(uid), expected: entry.value)
    }
}

extension PresenceDirectory {
    /// Makes sure node `node`'s marker names its run `instance`; returns true when it did not (first
    /// call of a run, or the KV lost its data: then every entry of the run must be written again).
    public func assertMarker(node: String, instance: String) async throws(KVError) -> Bool {
        let key = KeyNames.nodeMarker(node)
        if try await kv.get(key) == instance { return false }
        try await kv.set(key, instance, ttl: nil)
        return true
    }
}
