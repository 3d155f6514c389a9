import Foundation

/// Waits for `condition` to hold, checking it every `interval`, for at most `timeout`; whether it held.
/// The one place tests wait for what they cannot be told about (a process, a port, a metric, a row), so
/// a slow machine only makes them wait longer, never fail.
/// The condition runs on the caller's actor (an actor's state can be read in it).
public func eventually(
    within timeout: Duration = .seconds(10), every interval: Duration = .milliseconds(20),
    isolation: isolated (any Actor)? = #isolation, _ condition: () async throws -> Bool
) async rethrows -> Bool {
    let deadline = ContinuousClock.now.advanced(by: timeout)
    while true {
        if try await condition() { return true }
        guard ContinuousClock.now < deadline else { return false }
        // Cancelled, a sleep returns at once: look once more instead of spinning to the deadline.
        if Task.isCancelled { return try await condition() }
        try? await Task.sleep(for: interval)
    }
}

/// `eventually` for code that must block (a `stop()` called from `deinit`-like cleanup, a thread of its
/// own): waits for `condition` on the calling thread; whether it held within `timeout`.
public func eventuallyBlocking<Failure: Error>(
    within timeout: Duration = .seconds(10), every interval: Duration = .milliseconds(10), _ condition: () throws(Failure) -> Bool
) throws(Failure) -> Bool {
    let deadline = ContinuousClock.now.advanced(by: timeout)
    while true {
        if try condition() { return true }
        guard ContinuousClock.now < deadline else { return false }
        Thread.sleep(forTimeInterval: Double(interval.components.seconds) + Double(interval.components.attoseconds) / 1e18)
    }
}
