/// Waits for `condition` to hold, checking it every `interval`, for at most `timeout`; whether it held.
/// The one place tests wait for what they cannot be told about (a process, a port, a metric, a row), so
/// a slow machine only makes them wait longer, never fail.
public func eventually(
    within timeout: Duration = .seconds(10), every interval: Duration = .milliseconds(20), _ condition: () async throws -> Bool
) async rethrows -> Bool {
    let deadline = ContinuousClock.now.advanced(by: timeout)
    while true {
        if try await condition() { return true }
        guard ContinuousClock.now < deadline else { return false }
        try? await Task.sleep(for: interval)
    }
}
