import Foundation
import GRDB

/// How a connection waits for a lock another process holds (several processes on one host may share the
/// file: two chat nodes, `flux admin`). SQLite's own busy timeout sleeps 1, 2, 5, 10, 15, 20, 25 … up to
/// 100 ms between tries, so a writer that finds the lock taken may sleep far longer than the commit that
/// holds it (under a millisecond). This tries again every `step`, for up to `timeout`.
enum SQLiteLockWait {
    /// `onFirstWait` runs when a connection first finds the lock taken (tests release the lock there).
    static func busyMode(
        timeout: Duration = .seconds(10), step: Duration = .microseconds(100), onFirstWait: (@Sendable () -> Void)? = nil
    ) -> Database.BusyMode {
        let tries = Int(timeout / step)
        let micros = useconds_t(step / .microseconds(1))
        return .callback { attempt in
            guard attempt < tries else { return false }
            if attempt == 0 { onFirstWait?() }
            usleep(micros)
            return true
        }
    }
}
