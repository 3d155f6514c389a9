import FluxCluster
import FluxProtocol
import FluxStore
import Foundation
import Logging

/// Cache-first profiles (the seeds' strategy): `ubaseinfo_<uid>` in the KV, the store on a miss.
/// Profile changes drop the entry so the next read refills it. The password hash is never cached.
struct ProfileCache: Sendable {
    let shared: SharedProfileCache
    let store: any Store
    let logger: Logger
    var lifetime: Duration = .seconds(600)

    func user(_ uid: Int64) async throws(StoreError) -> User? {
        if let cached = await shared.cached(uid),
            let user = try? JSONDecoder().decode(User.self, from: Data(cached.utf8))
        {
            return user
        }
        guard var user = try await store.user(uid: uid) else { return nil }
        user.passwordHash = ""
        if let data = try? JSONEncoder().encode(user) {
            await shared.store(String(decoding: data, as: UTF8.self), for: uid, lifetime: lifetime)
        }
        return user
    }

    func drop(_ uid: Int64) async {
        do {
            try await shared.invalidate(uid)
        } catch {
            logger.warning("profile cache entry not dropped", metadata: ["uid": "\(uid)", "error": "\(error)"])
        }
    }
}
