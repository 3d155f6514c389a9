@testable import FluxGate
import FluxKV
import FluxProtocol
import Synchronization
import Testing

/// The failed-login limits as a state machine over the KV, with the KV's clock in the test's hands.
@Suite struct LoginThrottleTests {
    final class Clock: Sendable {
        let start = ContinuousClock.now
        let offset = Mutex<Duration>(.zero)
        func advance(_ duration: Duration) { offset.withLock { $0 += duration } }
        var now: ContinuousClock.Instant { start + offset.withLock { $0 } }
    }

    private func throttle(_ clock: Clock) -> LoginThrottle {
        LoginThrottle(kv: MemoryKeyValueStore(now: { clock.now }), configuration: GateConfiguration())
    }

    private func admitted(_ throttle: LoginThrottle, _ attempt: LoginThrottle.Attempt) async -> Bool {
        await ticket(throttle, attempt) != nil
    }

    private func ticket(_ throttle: LoginThrottle, _ attempt: LoginThrottle.Attempt) async -> LoginThrottle.Ticket? {
        do {
            return try await throttle.begin(attempt)
        } catch {
            #expect(error.code == .rateLimited)
            return nil
        }
    }

    @Test func aSlowServerStillChecksNoMoreThanTheAllowanceBeforeTheFirstBackOff() async throws {
        let clock = Clock()
        let throttle = throttle(clock)
        let attempt = LoginThrottle.Attempt(email: "t@example.com", address: "10.0.0.1")
        // Five tries are admitted while none of their checks has finished yet.
        var tickets: [LoginThrottle.Ticket] = []
        for _ in 0..<5 { tickets.append(try #require(await ticket(throttle, attempt))) }
        // The server is slow: two seconds pass before the next try is even counted. The fifth try's check
        // is still running, so the next one waits.
        clock.advance(.seconds(2))
        #expect(!(await admitted(throttle, attempt)))
        // The first four fail: they hold no wait, so nothing opens.
        for ticket in tickets.prefix(4) { await throttle.failed(attempt, ticket) }
        #expect(!(await admitted(throttle, attempt)))
        // The fifth fails: the back-off runs from now, as long as the 7 tries so far call for (4 s).
        await throttle.failed(attempt, tickets[4])
        clock.advance(.milliseconds(3900))
        #expect(!(await admitted(throttle, attempt)))
        clock.advance(.milliseconds(200))
        #expect(await admitted(throttle, attempt), "one try per back-off")
        #expect(!(await admitted(throttle, attempt)))
    }

    @Test func refusedTriesCountTowardsTheNextBackOff() async throws {
        let clock = Clock()
        let throttle = throttle(clock)
        let attempt = LoginThrottle.Attempt(email: "u@example.com", address: "10.0.0.2")
        var last: LoginThrottle.Ticket?
        for _ in 0..<5 { last = await ticket(throttle, attempt) }
        // Five refused tries while the fifth is checked: 10 tries, so its failure waits 2^5 s.
        for _ in 0..<5 { #expect(!(await admitted(throttle, attempt))) }
        await throttle.failed(attempt, try #require(last))
        clock.advance(.seconds(31))
        #expect(!(await admitted(throttle, attempt)))
        clock.advance(.seconds(2))
        #expect(await admitted(throttle, attempt))
    }

    @Test func theOwnerFromAnotherAddressIsNeverLockedOutAndSuccessClearsThePair() async throws {
        let clock = Clock()
        let throttle = throttle(clock)
        let attacker = LoginThrottle.Attempt(email: "o@example.com", address: "10.0.0.3")
        for _ in 0..<5 {
            let ticket = try #require(await ticket(throttle, attacker))
            await throttle.failed(attacker, ticket)
        }
        #expect(!(await admitted(throttle, attacker)))
        let owner = LoginThrottle.Attempt(email: "o@example.com", address: "10.0.0.4")
        let ownerTicket = try #require(await ticket(throttle, owner))
        await throttle.succeeded(owner, ownerTicket)
        // A success clears its own pair at once.
        let typo = LoginThrottle.Attempt(email: "p@example.com", address: "10.0.0.5")
        var last: LoginThrottle.Ticket?
        for _ in 0..<5 { last = await ticket(throttle, typo) }
        #expect(!(await admitted(throttle, typo)))
        await throttle.succeeded(typo, try #require(last))
        #expect(await admitted(throttle, typo))
    }
}
