import Metrics
import Synchronization

/// Times the calls of one kind of backend (`<prefix>_call_seconds{op}`) and counts their failures
/// (`<prefix>_errors_total{op}`), with the instruments of each operation made once.
public final class CallInstruments: Sendable {
    private let timerLabel: String
    private let errorLabel: String
    private let cache = Mutex<[String: (timer: Timer, errors: Counter)]>([:])

    /// `prefix` such as `flux_store` or `flux_kv`.
    public init(prefix: String) {
        timerLabel = "\(prefix)_call_seconds"
        errorLabel = "\(prefix)_errors_total"
    }

    /// Runs `body` as operation `op`, recording its time and, if it throws, a failure.
    public func timed<T, Failure: Error>(_ op: String, _ body: () async throws(Failure) -> T) async throws(Failure) -> T {
        let start = ContinuousClock.now
        do {
            let value = try await body()
            record(op, since: start)
            return value
        } catch {
            record(op, since: start, failed: true)
            throw error
        }
    }

    /// `timed` for a blocking call (on a thread of its own).
    public func timedBlocking<T, Failure: Error>(_ op: String, _ body: () throws(Failure) -> T) throws(Failure) -> T {
        let start = ContinuousClock.now
        do {
            let value = try body()
            record(op, since: start)
            return value
        } catch {
            record(op, since: start, failed: true)
            throw error
        }
    }

    /// Records one call of `op` started at `start`, and a failure if it `failed` (a caller may time a
    /// call only when it did work).
    public func record(_ op: String, since start: ContinuousClock.Instant, failed: Bool = false) {
        let instruments = self.instruments(op)
        instruments.timer.record(duration: ContinuousClock.now - start)
        if failed { instruments.errors.increment() }
    }

    private func instruments(_ op: String) -> (timer: Timer, errors: Counter) {
        cache.withLock { cache in
            if let known = cache[op] { return known }
            let made = (
                Timer(label: timerLabel, dimensions: [("op", op)], preferredDisplayUnit: .seconds),
                Counter(label: errorLabel, dimensions: [("op", op)]))
            cache[op] = made
            return made
        }
    }
}
