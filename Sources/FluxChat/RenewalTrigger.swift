import Synchronization

/// Asks a chat node's registration loop to renew now instead of at its next interval (the KV lost
/// the registry, so waiting would keep the node unassignable).
public final class RenewalTrigger: Sendable {
    private let requested = Atomic<Bool>(false)

    public init() {}

    /// Requests a renewal as soon as possible.
    public func fire() {
        requested.store(true, ordering: .relaxed)
    }

    /// Waits up to `duration`, returning early (within 50 ms) once `fire()` was called.
    func wait(upTo duration: Duration) async {
        let deadline = ContinuousClock.now.advanced(by: duration)
        while !requested.exchange(false, ordering: .relaxed) {
            let left = ContinuousClock.now.duration(to: deadline)
            guard left > .zero, !Task.isCancelled else { return }
            try? await Task.sleep(for: min(left, .milliseconds(50)))
        }
    }
}
