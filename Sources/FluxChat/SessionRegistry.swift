import Synchronization

/// The logged-in sessions of this node, one per user, and every open connection (logged in or not).
///
/// A lock, not an actor: every batch of texts looks its recipients up here, and the lookup is a few
/// dictionary reads that need no hop to another executor.
final class SessionRegistry: Sendable {
    private struct State {
        var sessions: [Int64: ChatSession] = [:]
        var connections: [UInt64: ChatSession] = [:]
    }

    private let state = Mutex(State())
    private let metrics: ChatMetrics?

    init(metrics: ChatMetrics? = nil) {
        self.metrics = metrics
    }

    func track(_ connection: ChatSession) {
        let count = state.withLock { state in
            state.connections[connection.id] = connection
            return state.connections.count
        }
        metrics?.connections.record(count)
    }

    func untrack(_ connection: ChatSession) {
        let count = state.withLock { state in
            state.connections[connection.id] = nil
            return state.connections.count
        }
        metrics?.connections.record(count)
    }

    /// Every open connection, for shutdown and the idle sweep.
    var allConnections: [ChatSession] { state.withLock { Array($0.connections.values) } }

    var connectionCount: Int { state.withLock { $0.connections.count } }

    /// Makes `session` the one of `uid`; returns the session it replaces, if any.
    func register(_ session: ChatSession, uid: Int64) -> ChatSession? {
        let (previous, count) = state.withLock { state in
            let previous = state.sessions[uid]
            state.sessions[uid] = session
            return (previous, state.sessions.count)
        }
        metrics?.sessions.record(count)
        return previous === session ? nil : previous
    }

    /// Removes `session` if it is still the one of `uid` (not already replaced); returns whether it was.
    func remove(_ session: ChatSession, uid: Int64) -> Bool {
        let count = state.withLock { state -> Int? in
            guard state.sessions[uid] === session else { return nil }
            state.sessions[uid] = nil
            return state.sessions.count
        }
        guard let count else { return false }
        metrics?.sessions.record(count)
        return true
    }

    func session(for uid: Int64) -> ChatSession? { state.withLock { $0.sessions[uid] } }

    /// The sessions here of any of `uids` (one lock for a whole batch of deliveries).
    func sessions(for uids: Set<Int64>) -> [Int64: ChatSession] {
        state.withLock { state in
            var found: [Int64: ChatSession] = [:]
            for uid in uids { if let session = state.sessions[uid] { found[uid] = session } }
            return found
        }
    }

    func isOnline(_ uid: Int64) -> Bool { state.withLock { $0.sessions[uid] != nil } }

    var count: Int { state.withLock { $0.sessions.count } }

    /// Every logged-in session with its user.
    var loggedIn: [(uid: Int64, session: ChatSession)] { state.withLock { $0.sessions.map { ($0.key, $0.value) } } }
}
