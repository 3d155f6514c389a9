/// A fixed-window count kept in one session: counted first, then admitted while within the limit.
///
/// For texts per second this is the shared limit: a uid has one session in the whole cluster (a login
/// elsewhere replaces it), so the node holding that session sees every 1017 of that uid, and counting
/// there costs no KV round trip per request. A new login starts a new window; logins have limits of
/// their own.
struct LocalRateWindow: Sendable {
    private var index: Int64 = .min
    private var used = 0

    /// Counts `cost` uses at `now` (seconds) in windows of `window` seconds; whether they stay within `limit`.
    mutating func admit(cost: Int, limit: Int, window: Double, now: Double) -> Bool {
        let current = Int64((now / max(window, 0.001)).rounded(.down))
        if current != index {
            index = current
            used = 0
        }
        used += cost
        return used <= limit
    }
}
