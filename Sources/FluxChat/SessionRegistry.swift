/// The logged-in sessions of this node, one per user, and every open connection (logged in or not).
actor SessionRegistry {
    private var sessions: [Int64: ChatSession] = [:]
    private var connections: [UInt64: ChatSession] = [:]
    private let metrics: ChatMetrics?

    init(metrics: ChatMetrics? = nil) {
        self.metrics = metrics
    }

    func track(_ connection: ChatSession) {
        connections[connection.id] = connection
        metrics?.connections.record(connections.count)
    }

    func untrack(_ connection: ChatSession) {
        connections[connection.id] = nil
        metrics?.connections.record(connections.count)
    }

    /// Every open connection, for shutdown and the idle sweep.
    var allConnections: [ChatSession] { Array(connections.values) }

    var connectionCount: Int { connections.count }

    /// Makes `session` the one of `uid`; returns the session it replaces, if any.
    func register(_ session: ChatSession, uid: Int64) -> ChatSession? {
        let previous = sessions[uid]
        sessions[uid] = session
        metrics?.sessions.record(sessions.count)
        return previous === session ? nil : previous
    }

    /// Removes `session` if it is still the one of `uid` (not already replaced); returns whether it was.
    func remove(_ session: ChatSession, uid: Int64) -> Bool {
        guard sessions[uid] === session else { return false }
        sessions[uid] = nil
        metrics?.sessions.record(sessions.count)
        return true
    }

    func session(for uid: Int64) -> ChatSession? { sessions[uid] }

    /// The sessions here of any of `uids` (one actor hop for a whole batch of deliveries).
    func sessions(for uids: Set<Int64>) -> [Int64: ChatSession] {
        var found: [Int64: ChatSession] = [:]
        for uid in uids { if let session = sessions[uid] { found[uid] = session } }
        return found
    }

    func isOnline(_ uid: Int64) -> Bool { sessions[uid] != nil }

    var count: Int { sessions.count }

    /// Every logged-in session with its user.
    var loggedIn: [(uid: Int64, session: ChatSession)] { sessions.map { ($0.key, $0.value) } }

}
