import Dispatch
import Foundation
import Histogram

extension Bench {
    /// Issue 13's attack: `flux --role all` under a 1,024-descriptor limit, one client holding `stalled` HTTP
    /// connections that each sent half a request head. Honest HTTP + chat logins, one after another, are
    /// timed before the flood and while it is held.
    static func flood(_ options: BenchOptions, _ progress: @escaping @Sendable (String) -> Void) async throws -> BenchResult {
        let descriptorLimit = 1024
        progress("flood: starting flux --role all with \(descriptorLimit) descriptors and its default limits")
        let flux = try await FluxUnderTest.single(logN: options.loginScryptLogN, openFileLimit: descriptorLimit, abuseLimits: true)
        do {
            let accounts = BenchAccounts(databaseURL: flux.databaseURL, gateHost: flux.gateHost, gatePort: flux.gatePort)
            let prefix = "f\(UUID().uuidString.prefix(6).lowercased())"
            _ = try await accounts.createUsers(1, prefix: prefix, logN: options.loginScryptLogN, pairs: false)
            let email = "\(prefix)-0@bench.invalid"
            progress("flood: \(options.floodLogins) honest logins before the flood")
            let before = try await timedLogins(options.floodLogins, email: email, accounts: accounts)

            progress("flood: \(options.stalled) stalled connections from 127.0.0.3")
            let port = flux.gatePort
            let stalled = await withCheckedContinuation { (done: CheckedContinuation<StalledConnections, Never>) in
                // Blocking connects: on a thread of their own, not the cooperative pool.
                DispatchQueue.global().async {
                    done.resume(returning: StalledConnections(
                        count: options.stalled, port: port, sources: ["127.0.0.3"],
                        sending: "POST /user_login HTTP/1.1\r\nHost: flux\r\nContent-Length: 64\r\n"))
                }
            }
            defer { stalled.closeAll() }
            progress("flood: \(stalled.opened) held; \(options.floodLogins) honest logins from 127.0.0.1")
            let started = ContinuousClock.now
            let during = try await timedLogins(options.floodLogins, email: email, accounts: accounts)
            let floodAge = started.duration(to: .now)
            // Connections over the cap are answered and closed as the server accepts them: count once that settles.
            var closed = stalled.closedByServer()
            for _ in 0..<20 {
                try await Task.sleep(for: .milliseconds(250))
                let now = stalled.closedByServer()
                if now == closed { break }
                closed = now
            }

            var result = BenchResult(scenario: "flood", parameters: [
                "stalled": "\(options.stalled)", "fd limit": "\(descriptorLimit)", "scrypt": "2^\(options.loginScryptLogN)",
                "logins": "\(options.floodLogins)",
            ])
            result.add("stalled connections opened", Double(stalled.opened), "")
            result.add("closed by the server", Double(closed), "")
            result.addLatencies("login (HTTP + chat) before the flood", before)
            result.addLatencies("login (HTTP + chat) during the flood", during)
            if floodAge > .seconds(9) {
                result.notes.append("the logins took \(floodAge): the gate's 10 s header timeout may have freed the flood's slots before the last ones")
            }
            await flux.stop()
            return result
        } catch {
            await flux.stop()
            throw error
        }
    }

    /// `count` logins of `email` (HTTP, then chat), one after another, in microseconds.
    private static func timedLogins(_ count: Int, email: String, accounts: BenchAccounts) async throws -> Histogram<UInt64> {
        var histogram = Histogram<UInt64>(highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: .three)
        for _ in 0..<count {
            let start = ContinuousClock.now
            let login = try await accounts.logIn(email)
            let session = try await BenchSession.open(uid: login.uid, token: login.token, host: login.host, port: login.port)
            let elapsed = start.duration(to: .now)
            session.close()
            _ = histogram.record(UInt64(elapsed.components.seconds) * 1_000_000 + UInt64(elapsed.components.attoseconds / 1_000_000_000_000))
        }
        return histogram
    }
}
