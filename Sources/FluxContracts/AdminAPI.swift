import FluxProtocol

/// What `flux admin` asks of a running cluster. Served by the status role (it knows every chat node) on
/// its RPC port, under `admin.*`.
public protocol AdminAPI: Sendable {
    /// The live chat nodes, with renewal age and message rate.
    func nodes() async throws(FluxError) -> [ChatNodeReport]
    /// Drains (or undrains) node `name`: status stops assigning it and its clients are told to move.
    /// Throws 1020 if no live node has that name.
    func drain(node name: String, draining: Bool, graceSeconds: Double) async throws(FluxError) -> DrainResult
    /// Logged-in sessions on every live node (or on `node` only).
    func sessions(node: String?) async throws(FluxError) -> [SessionSummary]
    /// Sends 1021 to `uid`'s session and closes it; returns the session, or nil if `uid` is not online.
    func kick(uid: Int64) async throws(FluxError) -> SessionSummary?
    /// Kicks `uid` if online and forgets its login token and cached profile (after a disable or delete).
    func forget(uid: Int64) async throws(FluxError) -> Bool
}

/// The outcome of a drain request.
public struct DrainResult: Codable, Sendable, Hashable {
    public var node: ChatNodeReport
    /// Clients that were told to reconnect elsewhere.
    public var told: Int

    public init(node: ChatNodeReport, told: Int) {
        self.node = node
        self.told = told
    }
}
