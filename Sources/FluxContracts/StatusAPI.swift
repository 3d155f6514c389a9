import FluxProtocol

/// The status role: registry of chat nodes, node assignment and login tokens.
public protocol StatusAPI: Sendable {
    /// Registers or renews a chat node.
    func reportChatNode(_ report: ChatNodeReport) async throws(FluxError)
    /// Removes a chat node at once (graceful shutdown).
    func removeChatNode(name: String) async throws(FluxError)
    /// The least-loaded live node for `uid` and a fresh login token stored as `utoken_<uid>`.
    /// Throws 1002 when no node is live.
    func assignChatNode(uid: Int64) async throws(FluxError) -> ChatAssignment
    /// The live nodes, for operators and tests.
    func liveChatNodes() async throws(FluxError) -> [ChatNodeReport]
    /// Marks a live node draining (never assigned again until undrained or restarted) or not; returns it.
    /// Throws 1020 when no live node has that name.
    func setDraining(name: String, _ draining: Bool) async throws(FluxError) -> ChatNodeReport
}
