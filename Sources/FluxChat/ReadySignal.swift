/// Lets callers (tests, `flux` itself) wait until a listener is bound and learn its port.
public actor ReadySignal {
    private var port: Int?
    private var waiters: [CheckedContinuation<Int, Never>] = []

    public init() {}

    /// Records the bound port and wakes the waiters.
    public func signal(port: Int) {
        self.port = port
        for waiter in waiters { waiter.resume(returning: port) }
        waiters.removeAll()
    }

    /// The bound port, once it is known.
    public func wait() async -> Int {
        if let port { return port }
        return await withCheckedContinuation { waiters.append($0) }
    }
}
