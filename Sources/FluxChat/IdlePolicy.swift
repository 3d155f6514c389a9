/// Which connections the idle sweep closes: one that sent nothing for the idle timeout, and one that did
/// not log in within the login timeout; never one still working through its frames (its reading may be
/// paused meanwhile). Pure over a connection's times, in uptime nanoseconds, so its rules are tested with
/// any time; the sweep reads the service's clock.
struct IdlePolicy: Sendable {
    let idleLimit: UInt64
    let loginLimit: UInt64
    /// How often the sweep looks: a quarter of the shorter timeout, at most a second.
    let interval: Duration

    init(idleTimeout: Duration, loginTimeout: Duration) {
        idleLimit = Self.nanoseconds(idleTimeout)
        loginLimit = Self.nanoseconds(loginTimeout)
        interval = min(idleTimeout / 4, loginTimeout / 4, .seconds(1))
    }

    /// Whether a connection with these times and state is closed at `now`.
    func closes(now: UInt64, lastRead: UInt64, openedAt: UInt64, loggedIn: Bool, handling: Bool) -> Bool {
        guard !handling else { return false }
        if now > lastRead, now - lastRead > idleLimit { return true }
        return !loggedIn && now > openedAt && now - openedAt > loginLimit
    }

    private static func nanoseconds(_ duration: Duration) -> UInt64 {
        let (seconds, attoseconds) = duration.components
        return UInt64(max(0, seconds)) * 1_000_000_000 + UInt64(max(0, attoseconds) / 1_000_000_000)
    }
}
