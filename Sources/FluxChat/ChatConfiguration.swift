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
    /// How often the node checks that the shared KV still holds its sessions' presence and re-sends
    /// stored texts its connected users should have had (see `PresenceKeeper`).
    public var resyncInterval: Duration = .seconds(1)
    /// Largest frame body accepted (the original: 2048; the field allows 65535).
    public var maxBodyBytes: Int = 8192
    /// A connection that sends nothing for this long is closed (the original: 20 s).
    public var idleTimeout: Duration = .seconds(20)
    /// Frames queued for one connection before it is judged not to be reading and is closed.
    public var outboundQueueLimit: Int = 1000
    /// Longest text content, in characters.
    public var maxTextLength: Int = 4000
    /// Most texts in one 1017 request.
    public var maxTextsPerRequest: Int = 50
    /// 1017s of one connection waiting for their commit before the connection's next frame waits too.
    public var maxTextsInFlight: Int = 64
    /// Offline messages fetched per store read when a user logs in.
    public var backlogPageSize: Int = 500
    /// A connection that has not logged in within this time is closed (shorter than `idleTimeout`).
    public var loginTimeout: Duration = .seconds(10)
    /// Connections held at once; nil: what the process's descriptor budget leaves after the gate.
    public var maxConnections: Int?
    /// Connections held at once from one client address.
    public var maxConnectionsPerAddress: Int = 256
    /// New connections from one address per second (across nodes).
    public var connectionsPerAddressPerSecond: Int = 20
    /// Texts one user may send per second (across nodes); more get 1018 with 1012.
    public var textsPerSecond: Int = 100
    /// Friend requests (1009) one user may send per hour.
    public var friendRequestsPerHour: Int = 60
    /// Searches (1007) one user may make per minute.
    public var searchesPerMinute: Int = 60
    /// The WebSocket listener (path `/ws`): its port (0: any free one), nil: none. Same host as TCP.
    public var webSocketPort: Int? = 8089
    /// The WebSocket URL clients are told; nil: `ws://` (`wss://` with TLS) + the advertised host + the
    /// bound WebSocket port + `/ws`.
    public var webSocketURL: String?
    /// Browser origins allowed to open a WebSocket (`scheme://host[:port]`, lower case); a request without
    /// an `Origin` header (not a browser) is always allowed.
    public var webSocketOrigins: WebSocketOriginPolicy = WebSocketOriginPolicy(allowed: [])
    /// Group limits (`group.*`).
    public var groups = GroupSettings()
    /// TLS on the chat listener: certificate chain and key (PEM); nil: plain TCP.
    public var tlsCertificate: String?
    public var tlsKey: String?

    public init() {}
}
