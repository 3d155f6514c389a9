/// A store that can commit private texts on the calling thread: a chat node's dedicated writer thread
/// then commits without a hop to another queue and back per transaction. SQLite can (its writes are
/// local calls); a network store runs its own threads and offers none.
public protocol BlockingTextCommits: Sendable {
    /// `Store.appendMessages(_:markingDelivered:)`, blocking the calling thread. Never call it from an
    /// event loop or the cooperative pool.
    func appendMessagesBlocking(_ messages: [NewMessage], markingDelivered delivered: [Int64]) throws(StoreError) -> [StoredMessage]

    /// Upkeep the commit thread runs when no text waits, so no text pays for it (SQLite copies its
    /// write-ahead log back into the database here). Blocking, like the commits. Whether it did anything.
    @discardableResult func checkpointIfDue() -> Bool
}

extension Store {
    /// Stores `messages` in one transaction (see `appendMessages(_:markingDelivered:)`), marking nothing.
    public func appendMessages(_ messages: [NewMessage]) async throws(StoreError) -> [StoredMessage] {
        try await appendMessages(messages, markingDelivered: [])
    }

    /// None by default: texts are committed through the async `appendMessages`.
    public var blockingTextCommits: (any BlockingTextCommits)? { nil }
}
