import FluxKV
import FluxProtocol

/// One login of a user at a time in the whole cluster (`SET NX` with an expiry, released by
/// compare-and-delete so a lock that expired and was taken by another login is not released).
public struct LoginLock: Sendable {
    private let kv: any KeyValueStore

    public init(kv: any KeyValueStore) {
        self.kv = kv
    }

    /// Takes `uid`'s lock as `owner`, retrying for up to `wait`.
    public func acquire(_ uid: Int64, owner: String, wait: Duration = .seconds(3)) async throws(FluxError) {
        let deadline = ContinuousClock.now.advanced(by: wait)
        while true {
            do {
                if try await kv.setIfAbsent(KeyNames.loginLock(uid), owner, ttl: .seconds(10)) { return }
            } catch {
                throw FluxError(.rpcFailed, "login lock unavailable: \(error)")
            }
            guard ContinuousClock.now < deadline else { throw FluxError(.rpcFailed, "another login of \(uid) is in progress") }
            try? await Task.sleep(for: .milliseconds(20))
        }
    }

    /// Releases `uid`'s lock if `owner` still holds it.
    public func release(_ uid: Int64, owner: String) async {
        _ = try? await kv.compareAndDelete(KeyNames.loginLock(uid), expected: owner)
    }
}
