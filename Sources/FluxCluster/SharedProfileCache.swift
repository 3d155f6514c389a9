import FluxKV

/// Cached user profiles (`ubaseinfo_<uid>`, JSON without the password hash), shared by the chat nodes
/// and dropped by operators when an account changes.
public struct SharedProfileCache: Sendable {
    private let kv: any KeyValueStore

    public init(kv: any KeyValueStore) {
        self.kv = kv
    }

    /// The cached JSON of `uid`, if any.
    public func cached(_ uid: Int64) async -> String? {
        try? await kv.get(KeyNames.profile(uid))
    }

    /// Caches `json` for `uid` for `lifetime`.
    public func store(_ json: String, for uid: Int64, lifetime: Duration) async {
        _ = try? await kv.set(KeyNames.profile(uid), json, ttl: lifetime)
    }

    /// Drops `uid`'s cached profile.
    public func invalidate(_ uid: Int64) async throws(KVError) {
        try await kv.delete(KeyNames.profile(uid))
    }
}
