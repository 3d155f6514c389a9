/// Lets callers (tests, other services) wait until a listener is bound and learn its port — or learn
/// that it never will be, so nobody waits forever on a server that failed to start.
public actor ReadySignal {
    private var result: Result<Int, any Error>?
    private var waiters: [Int: CheckedContinuation<Int, any Error>] = [:]
    private var nextWaiter = 0

    public init() {}

    /// How many callers are waiting in `wait()` now (a test learns that a service reached its wait).
    public var waiting: Int { waiters.count }

    /// Records the bound port and wakes the waiters.
    public func signal(port: Int) {
        settle(.success(port))
    }

    /// Records that the listener will not come up (start-up failed or the process stopped).
    public func fail(_ error: any Error) {
        settle(.failure(error))
    }

    /// The bound port, once it is known; throws if the listener failed or the waiting task is cancelled.
    public func wait() async throws -> Int {
        if let result { return try result.get() }
        let id = nextWaiter
        nextWaiter += 1
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                if Task.isCancelled {
                    continuation.resume(throwing: CancellationError())
                } else {
                    waiters[id] = continuation
                }
            }
        } onCancel: {
            Task { await self.cancelWaiter(id) }
        }
    }

    private func cancelWaiter(_ id: Int) {
        waiters.removeValue(forKey: id)?.resume(throwing: CancellationError())
    }

    private func settle(_ result: Result<Int, any Error>) {
        guard self.result == nil else { return }
        self.result = result
        for waiter in waiters.values { waiter.resume(with: result) }
        waiters.removeAll()
    }
}

/// The listener stopped before it was ready.
public struct ListenerNotStarted: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
