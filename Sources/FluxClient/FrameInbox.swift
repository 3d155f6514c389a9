import FluxProtocol

/// Frames received and not yet taken, and the callers waiting for one.
actor FrameInbox {
    private struct Waiter {
        var id: MessageID?
        var continuation: CheckedContinuation<ChatFrame, any Error>
    }

    private var frames: [ChatFrame] = []
    private var waiters: [Int: Waiter] = [:]
    private var nextWaiter = 0
    private var closed = false

    func push(_ frame: ChatFrame) {
        if let (key, _) = waiters.first(where: { $0.value.id == nil || $0.value.id == frame.id }) {
            waiters.removeValue(forKey: key)?.continuation.resume(returning: frame)
        } else {
            frames.append(frame)
        }
    }

    func close() {
        closed = true
        for waiter in waiters.values { waiter.continuation.resume(throwing: ChatClientError.closed) }
        waiters.removeAll()
    }

    var isClosed: Bool { closed }

    /// The first frame with `id` (any frame if nil), waiting up to `timeout`.
    func take(_ id: MessageID?, timeout: Duration) async throws -> ChatFrame {
        if let index = frames.firstIndex(where: { id == nil || $0.id == id }) {
            return frames.remove(at: index)
        }
        if closed { throw ChatClientError.closed }
        let key = nextWaiter
        nextWaiter += 1
        Task {
            try? await Task.sleep(for: timeout)
            self.expire(key, id: id)
        }
        return try await withCheckedThrowingContinuation { continuation in
            waiters[key] = Waiter(id: id, continuation: continuation)
        }
    }

    /// Frames received so far and not taken.
    func drain() -> [ChatFrame] {
        defer { frames.removeAll() }
        return frames
    }

    private func expire(_ key: Int, id: MessageID?) {
        waiters.removeValue(forKey: key)?.continuation.resume(throwing: ChatClientError.timeout(id))
    }
}
