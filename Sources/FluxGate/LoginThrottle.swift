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

    /// What `begin` decided: how long to slow the answer down, and the back-off waits this try holds
    /// (it was admitted at or past a key's allowance), which its outcome then sets.
    struct Ticket: Sendable {
        var slowdown: Duration = .zero
        var heldWaits: [(key: String, allowance: Int)] = []
    }

    /// Counts the attempt as a failure until it succeeds; throws 1012 when its address, or its e-mail
    /// from its address, is backing off.
    func begin(_ attempt: Attempt) async throws(FluxError) -> Ticket {
        let window = configuration.loginFailureWindow
        do {
            let pair = try await kv.increment(attempt.pair, by: 1, ttlIfCreated: window)
            let address = try await kv.increment(attempt.address, by: 1, ttlIfCreated: window)
            let email = try await kv.increment(attempt.email, by: 1, ttlIfCreated: window)
            var ticket = Ticket()
            for (key, count, allowance) in [
                (attempt.pair, pair, configuration.maxLoginFailures), (attempt.address, address, configuration.maxLoginFailuresPerAddress),
            ] where try await admit(key, count: count, allowance: allowance) {
                ticket.heldWaits.append((key, allowance))
            }
            let excess = email - Int64(configuration.loginSlowdownAfter)
            ticket.slowdown = excess > 0 ? .milliseconds(min(excess, 12) * 250) : .zero
            return ticket
        } catch let error as FluxError {
            throw error
        } catch {
            // The KV is down: refuse rather than let unlimited guesses through.
            throw FluxError(.rpcFailed, "login limits unavailable: \(error)")
        }
    }

    /// The last try of a key's allowance, and every try after it, goes through only if no back-off wait
    /// is running, and then holds one until its password is checked (`checkMargin`); its outcome sets the
    /// real back-off. So however many tries arrive at once, and however slowly a loaded server takes them
    /// in, the next try past the allowance waits for the one before it. Returns whether this try holds
    /// the key's wait.
    private func admit(_ key: String, count: Int64, allowance: Int) async throws -> Bool {
        guard count >= Int64(allowance) else { return false }
        guard try await kv.setIfAbsent("\(key)_wait", "1", ttl: Self.checkMargin) else {
            throw FluxError(.rateLimited, "too many failed logins; try again later")
        }
        return true
    }

    /// How long an admitted try may take to be checked before its wait ends without it.
    static let checkMargin = Duration.seconds(10)

    /// 1 s at the allowance, doubling with each further try, up to `gate.max_login_backoff`.
    private func backoff(_ count: Int64, _ allowance: Int) -> Duration {
        min(Duration.seconds(1 << min(max(0, count - Int64(allowance)), 20)), configuration.maxLoginBackoff)
    }

    /// The password was wrong: each wait this try holds now lasts as long as all tries so far call for
    /// (tries refused meanwhile count too), from now.
    func failed(_ attempt: Attempt, _ ticket: Ticket) async {
        for (key, allowance) in ticket.heldWaits {
            let count = (try? await kv.get(key)).flatMap { $0.flatMap { Int64($0) } } ?? Int64(allowance)
            _ = try? await kv.set("\(key)_wait", "1", ttl: backoff(count, allowance))
        }
    }

    /// The password was right: the attempt was not a failure. The e-mail's keys from this address are
    /// cleared; the address keeps the back-off its other failures call for, if any.
    func succeeded(_ attempt: Attempt, _ ticket: Ticket) async {
        _ = try? await kv.delete(attempt.pair)
        _ = try? await kv.delete("\(attempt.pair)_wait")
        _ = try? await kv.delete(attempt.email)
        let address = try? await kv.increment(attempt.address, by: -1, ttlIfCreated: configuration.loginFailureWindow)
        guard ticket.heldWaits.contains(where: { $0.key == attempt.address }) else { return }
        if let address, address >= Int64(configuration.maxLoginFailuresPerAddress) {
            _ = try? await kv.set("\(attempt.address)_wait", "1", ttl: backoff(address, configuration.maxLoginFailuresPerAddress))
        } else {
            _ = try? await kv.delete("\(attempt.address)_wait")
        }
    }
}
