/// Settings of the status role; every field has the production default.
public struct StatusConfiguration: Sendable, Hashable {
    /// Life of a chat login token (`utoken_<uid>`).
    public var tokenLifetime: Duration = .seconds(24 * 3600)
    /// A node that has not renewed for this long is no longer assigned.
    public var nodeLifetime: Duration = .seconds(15)
    /// How often status checks that each live node's client port accepts connections.
    public var probeInterval: Duration = .seconds(1)

    public init() {}
}
