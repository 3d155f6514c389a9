import FluxProtocol

/// Where a client should connect for chat, and the token to present there.
public struct ChatAssignment: Codable, Sendable, Hashable {
    /// The chat node's name.
    public var node: String
    public var host: String
    public var port: Int
    public var token: String

    public init(node: String, host: String, port: Int, token: String) {
        self.node = node
        self.host = host
        self.port = port
        self.token = token
    }
}

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

    public init(
        name: String, host: String, port: Int, sessions: Int, capacity: Int, draining: Bool = false,
        rpcAddress: String? = nil, instance: String? = nil, cpu: Double = 0, memory: Double = 0,
        messagesIn: Int64? = nil, messagesOut: Int64? = nil
    ) {
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

    /// How loaded the node is, 0…1: mostly its share of capacity in use, then the host's CPU and memory.
    public var load: Double {
        0.6 * min(1, Double(sessions) / Double(max(capacity, 1))) + 0.2 * cpu + 0.2 * memory
    }
}

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
