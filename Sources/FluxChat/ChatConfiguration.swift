/// Settings of a chat node; every field has the production default.
public struct ChatConfiguration: Sendable, Hashable {
    /// Unique node name in the cluster.
    public var name: String = "chat-1"
    /// Listen address.
    public var host: String = "0.0.0.0"
    public var port: Int = 8090
    /// The address clients are told to connect to (`host:port`); defaults to the listen address.
    public var advertiseHost: String = "127.0.0.1"
    public var advertisePort: Int = 8090
    /// Sessions this node is meant to carry.
    public var capacity: Int = 100_000
    /// How often the node renews its registration with status.
    public var renewInterval: Duration = .seconds(5)

    public init() {}
}
