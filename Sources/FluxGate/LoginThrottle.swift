import FluxKV
import FluxProtocol

/// Brute-force limits of `/user_login`, kept in the shared KV so they hold across gates, and counted
/// before the password is checked, so concurrent tries cannot all slip under a limit:
///
/// - per (e-mail, address) and per address: a number of failures, then exponential back-off — one try
///   per wait, the wait doubling with each further failure, up to `gate.max_login_backoff`;
/// - per e-mail: only a slow-down, never a refusal, so an attacker's failures cannot lock the owner out
///   of an address that has not failed.
struct LoginThrottle: Sendable {
    let kv: any KeyValueStore
    let configuration: GateConfiguration

    /// The keys of one attempt, owned here alone.
    struct Attempt: Sendable {
        let pair: String
        let address: String
        let email: String

        init(email: String, address: String) {
            let email = email.lowercased()
            pair = "loginfail_ea_\(email)_\(address)"
            self.address = "loginfail_a_\(address)"
            self.email = "loginfail_\(email)"
        }
    }

    /// Counts the attempt as a failure until it succeeds; throws 1012 when its address, or its e-mail
    /// from its address, is backing off. Returns how long to slow the answer down.
    func begin(_ attempt: Attempt) async throws(FluxError) -> Duration {
        let window = configuration.loginFailureWindow
        do {
            let pair = try await kv.increment(attempt.pair, by: 1, ttlIfCreated: window)
            let address = try await kv.increment(attempt.address, by: 1, ttlIfCreated: window)
            let email = try await kv.increment(attempt.email, by: 1, ttlIfCreated: window)
            try await admit(attempt.pair, count: pair, allowance: configuration.maxLoginFailures)
            try await admit(attempt.address, count: address, allowance: configuration.maxLoginFailuresPerAddress)
            let excess = email - Int64(configuration.loginSlowdownAfter)
            return excess > 0 ? .milliseconds(min(excess, 12) * 250) : .zero
        } catch let error as FluxError {
            throw error
        } catch {
            // The KV is down: refuse rather than let unlimited guesses through.
            throw FluxError(.rpcFailed, "login limits unavailable: \(error)")
        }
    }

    /// The last try of a key's allowance, and every try after it, goes through only if no back-off wait
    /// is running, and starts one. So however many tries arrive at once, at most `allowance` passwords
    /// are checked.
    private func admit(_ key: String, count: Int64, allowance: Int) async throws {
        guard count >= Int64(allowance) else { return }
        guard try await kv.setIfAbsent("\(key)_wait", "1", ttl: backoff(count, allowance)) else {
            throw FluxError(.rateLimited, "too many failed logins; try again later")
        }
    }

    /// 1 s at the allowance, doubling with each further try, up to `gate.max_login_backoff`.
    private func backoff(_ count: Int64, _ allowance: Int) -> Duration {
        min(Duration.seconds(1 << min(max(0, count - Int64(allowance)), 20)), configuration.maxLoginBackoff)
    }

    /// The password was wrong: a key at or over its allowance waits as long as all its tries so far
    /// call for (tries refused meanwhile count too).
    func failed(_ attempt: Attempt) async {
        for (key, allowance) in [(attempt.pair, configuration.maxLoginFailures), (attempt.address, configuration.maxLoginFailuresPerAddress)] {
            guard let count = (try? await kv.get(key)).flatMap({ $0.flatMap { Int64($0) } }), count >= Int64(allowance) else { continue }
            _ = try? await kv.set("\(key)_wait", "1", ttl: backoff(count, allowance))
        }
    }

    /// The password was right: the attempt was not a failure.
    func succeeded(_ attempt: Attempt) async {
        _ = try? await kv.delete(attempt.pair)
        _ = try? await kv.delete(attempt.email)
        _ = try? await kv.increment(attempt.address, by: -1, ttlIfCreated: configuration.loginFailureWindow)
    }
}
