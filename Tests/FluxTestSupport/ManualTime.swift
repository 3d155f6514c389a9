import Synchronization

/// Time that moves only when a test says so, in the two forms code under test reads: wall-clock seconds
/// (rate-limit windows) and a monotonic instant (KV expiries). A test that lets time pass calls
/// `advance(by:)` instead of sleeping, so a busy machine cannot make a window roll over or an entry expire
/// early or late.
public final class ManualTime: Sendable {
    private let wallStart: Double
    private let monotonicStart = ContinuousClock.now
    private let offset = Mutex<Duration>(.zero)

    /// Starts at `wallSeconds` (by default a fixed instant half-way through a second).
    public init(wallSeconds: Double = 1_700_000_000.5) {
        wallStart = wallSeconds
    }

    /// Lets `duration` pass at once.
    public func advance(by duration: Duration) {
        offset.withLock { $0 += duration }
    }

    /// Wall-clock seconds since 1970, as `Date().timeIntervalSince1970` reads them.
    public var wallSeconds: @Sendable () -> Double {
        { [self] in
            let passed = offset.withLock { $0 }
            return wallStart + Double(passed.components.seconds) + Double(passed.components.attoseconds) / 1e18
        }
    }

    /// The monotonic instant, as `ContinuousClock.now` reads it.
    public var now: @Sendable () -> ContinuousClock.Instant {
        { [self] in monotonicStart.advanced(by: offset.withLock { $0 }) }
    }
}
