@testable import FluxChat
import Testing

/// The idle sweep's rules, driven by explicit times (nanoseconds of uptime) instead of waiting.
@Suite struct IdlePolicyTests {
    let policy = IdlePolicy(idleTimeout: .milliseconds(2500), loginTimeout: .seconds(1))
    static let ms: UInt64 = 1_000_000

    @Test func aConnectionThatKeepsSendingOutlivesOneThatIsSilent() {
        let opened: UInt64 = 10_000 * Self.ms
        var silentClosedAt: UInt64?
        // One sweep every interval for six seconds; one client beats every 300 ms, the other says nothing.
        var now = opened
        while now < opened + 6_000 * Self.ms {
            now += 250 * Self.ms
            let lastBeat = opened + (now - opened) / (300 * Self.ms) * (300 * Self.ms)
            #expect(!policy.closes(now: now, lastRead: lastBeat, openedAt: opened, loggedIn: true, handling: false), "beating, at \(now - opened)")
            if silentClosedAt == nil, policy.closes(now: now, lastRead: opened, openedAt: opened, loggedIn: true, handling: false) {
                silentClosedAt = now
            }
        }
        let closedAfter = try? #require(silentClosedAt) - opened
        #expect(closedAfter.map { $0 > 2_500 * Self.ms && $0 <= 2_750 * Self.ms } == true, "closed after \(String(describing: closedAfter))")
    }

    @Test func aConnectionThatDoesNotLogInIsClosedAfterTheLoginTimeout() {
        let opened: UInt64 = 5 * Self.ms
        // Sending keeps it from being idle, not from the login timeout.
        #expect(!policy.closes(now: opened + 1_000 * Self.ms, lastRead: opened + 900 * Self.ms, openedAt: opened, loggedIn: false, handling: false))
        #expect(policy.closes(now: opened + 1_001 * Self.ms, lastRead: opened + 1_000 * Self.ms, openedAt: opened, loggedIn: false, handling: false))
        #expect(!policy.closes(now: opened + 1_001 * Self.ms, lastRead: opened + 1_000 * Self.ms, openedAt: opened, loggedIn: true, handling: false))
    }

    @Test func aConnectionWorkingThroughItsFramesIsNotIdle() {
        let opened: UInt64 = 0
        let late = opened + 60_000 * Self.ms
        #expect(!policy.closes(now: late, lastRead: opened, openedAt: opened, loggedIn: false, handling: true))
        #expect(policy.closes(now: late, lastRead: opened, openedAt: opened, loggedIn: true, handling: false))
    }

    @Test func aClockBehindTheLastReadClosesNothing() {
        // A read stamped after the sweep took its time (another thread): not a wrapped-around huge gap.
        #expect(!policy.closes(now: 100, lastRead: 200, openedAt: 200, loggedIn: true, handling: false))
    }

    @Test func theSweepLooksOftenEnoughForTheShorterTimeout() {
        #expect(policy.interval == .milliseconds(250))
        #expect(IdlePolicy(idleTimeout: .seconds(60), loginTimeout: .seconds(10)).interval == .seconds(1))
    }
}
