/// What a chat node tells status about itself, on registration and on every renewal.
public struct ChatNodeReport: Codable, Sendable, Hashable {
    /// Unique node name.
    public var name: String
    /// The advertised address clients connect to.
    public var host: String
    public var port: Int
    /// Logged-in sessions now.
    public var sessions: Int
    /// Sessions the node is meant to carry.
    public var capacity: Int
    /// A draining node is never assigned.
    public var draining: Bool
    /// The node's WebSocket URL for browsers (`ws://host:port/ws`); nil when it has no WebSocket listener.
    public var ws: String?
    /// Where other chat nodes reach this one over RPC (`host:port`); nil for an in-process node.
    public var rpcAddress: String?
    /// New at every start of the node, so state written by an earlier run is recognised as stale.
    public var instance: String?
    /// CPU use of the host, 0…1 (load average over cores).
    public var cpu: Double
    /// Memory use of the host, 0…1.
    public var memory: Double
    /// Texts this node's clients sent and that were stored, since the node started.
    public var messagesIn: Int64?
    /// Texts this node wrote to its clients, since the node started.
    public var messagesOut: Int64?
    /// Filled in by status when it lists nodes: seconds since the last renewal.
    public var renewedSecondsAgo: Double?
    /// Filled in by status when it lists nodes: texts stored per second, over the last renewals.
    public var messagesPerSecond: Double?
    /// Filled in by status when it lists nodes: false while its health probe cannot reach the node's
    /// client port (such a node is not assigned).
    public var reachable: Bool?

    public init(
        name: String, host: String, port: Int, sessions: Int, capacity: Int, draining: Bool = false,
        rpcAddress: String? = nil, instance: String? = nil, cpu: Double = 0, memory: Double = 0,
        messagesIn: Int64? = nil, messagesOut: Int64? = nil, ws: String? = nil
    ) {
        self.ws = ws
        self.messagesIn = messagesIn
        self.messagesOut = messagesOut
        self.instance = instance
        self.name = name
        self.host = host
        self.port = port
        self.sessions = sessions
        self.capacity = capacity
        self.draining = draining
        self.rpcAddress = rpcAddress
        self.cpu = cpu
        self.memory = memory
    }

    /// Whether status may hand this node out: not draining, not full, reachable.
    public var isAssignable: Bool {
        !draining && sessions < max(capacity, 1) && reachable != false
    }

    /// How loaded the node is, 0…1: mostly its share of capacity in use, then the host's CPU and memory.
    public var load: Double {
        0.6 * min(1, Double(sessions) / Double(max(capacity, 1))) + 0.2 * cpu + 0.2 * memory
    }
}
