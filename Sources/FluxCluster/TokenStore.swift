import FluxCrypto
import FluxKV
import FluxProtocol

/// Chat login tokens (`utoken_<uid>`): issued by status, checked by chat nodes, revoked by the gate,
/// by log-out and by operators.
public struct TokenStore: Sendable {
    private let kv: any KeyValueStore
    private let lifetime: Duration

    public init(kv: any KeyValueStore, lifetime: Duration = .seconds(24 * 3600)) {
        self.kv = kv
        self.lifetime = lifetime
    }

    /// A fresh random token for `uid`, replacing any earlier one.
    public func issue(uid: Int64) async throws(FluxError) -> String {
        let token = SecureRandom.token()
        do {
            try await kv.set(KeyNames.token(uid), token, ttl: lifetime)
        } catch {
            throw FluxError(.rpcFailed, "token could not be stored: \(error)")
        }
        return token
    }

    /// Checks `token` for `uid`: `uidInvalid` if none was issued (or it expired), `tokenInvalid` if it
    /// differs. Compared in constant time.
    public func check(uid: Int64, token: String) async throws(FluxError) {
        let stored: String?
        do {
            stored = try await kv.get(KeyNames.token(uid))
        } catch {
            throw FluxError(.rpcFailed, "token lookup failed: \(error)")
        }
        guard let stored else { throw FluxError(.uidInvalid, "no token issued for uid \(uid)") }
        guard HMACSHA256.equal(Array(stored.utf8), Array(token.utf8)) else { throw FluxError(.tokenInvalid, "wrong token") }
    }

    /// Ends `uid`'s token; returns whether there was one.
    @discardableResult
    public func revoke(uid: Int64) async throws(FluxError) -> Bool {
        do {
            return try await kv.delete(KeyNames.token(uid))
        } catch {
            throw FluxError(.rpcFailed, "token not revoked: \(error)")
        }
    }
}
