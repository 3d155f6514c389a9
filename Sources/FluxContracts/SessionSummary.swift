/// One logged-in session, as operators see it.
public struct SessionSummary: Codable, Sendable, Hashable {
    public var uid: Int64
    public var node: String
    /// The session's presence value (`node#instance#session`), which `kick` takes.
    public var session: String
    /// When the connection was opened, milliseconds since 1970.
    public var connectedAt: Int64
    /// The client's address.
    public var remote: String
    /// Frames queued for the client and not yet written.
    public var queued: Int

    public init(uid: Int64, node: String, session: String, connectedAt: Int64, remote: String, queued: Int) {
        self.uid = uid
        self.node = node
        self.session = session
        self.connectedAt = connectedAt
        self.remote = remote
        self.queued = queued
    }
}
