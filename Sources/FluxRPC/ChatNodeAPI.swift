import FluxProtocol

/// A frame for a user on another chat node. `messageID` names the stored text a 1019 carries, so the
/// receiving node moves the delivery cursor once the frame is written.
public struct NodeDelivery: Codable, Sendable, Hashable {
    public var uid: Int64
    /// The chat message id (for example 1019).
    public var frameID: UInt16
    /// The frame's JSON body.
    public var body: String
    public var messageID: Int64?
    /// When the text was committed (wall-clock nanoseconds), for the delivery latency metric.
    public var committedAt: UInt64?

    public init(uid: Int64, frameID: UInt16, body: String, messageID: Int64? = nil, committedAt: UInt64? = nil) {
        self.committedAt = committedAt
        self.uid = uid
        self.frameID = frameID
        self.body = body
        self.messageID = messageID
    }
}

/// What a chat node offers the other chat nodes.
public protocol ChatNodeAPI: Sendable {
    /// Queues each frame on its user's session here (users not here are skipped: their texts stay
    /// stored for their next login).
    func deliver(_ deliveries: [NodeDelivery]) async throws(FluxError)
    /// Sends 1021 to `uid`'s session `session` here and closes it.
    func kick(uid: Int64, session: String) async throws(FluxError)
    /// The logged-in sessions here.
    func sessions() async throws(FluxError) -> [SessionSummary]
    /// Draining: tells every client here where to reconnect (1119) and closes the sessions still here after
    /// `graceSeconds`; returns how many were told. Not draining: accepts assignments again (returns 0).
    func setDraining(_ draining: Bool, graceSeconds: Double) async throws(FluxError) -> Int
}

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

/// `ChatNodeAPI` over JSON-over-TCP RPC.
public struct ChatNodeRPCClient: ChatNodeAPI {
    private let client: RPCClient

    public init(client: RPCClient) {
        self.client = client
    }

    struct Kick: Codable, Sendable {
        var uid: Int64
        var session: String
    }

    public func deliver(_ deliveries: [NodeDelivery]) async throws(FluxError) {
        _ = try await client.call("chat.deliver", deliveries, as: RPCEmpty.self)
    }

    public func kick(uid: Int64, session: String) async throws(FluxError) {
        _ = try await client.call("chat.kick", Kick(uid: uid, session: session), as: RPCEmpty.self)
    }

    struct Drain: Codable, Sendable {
        var draining: Bool
        var graceSeconds: Double
    }

    public func sessions() async throws(FluxError) -> [SessionSummary] {
        try await client.call("chat.sessions", RPCEmpty(), as: [SessionSummary].self)
    }

    public func setDraining(_ draining: Bool, graceSeconds: Double) async throws(FluxError) -> Int {
        try await client.call("chat.drain", Drain(draining: draining, graceSeconds: graceSeconds), as: Int.self)
    }
}

extension RPCServer {
    /// Serves `node` to the other chat nodes.
    public func serve(chatNode node: any ChatNodeAPI) {
        register("chat.deliver", [NodeDelivery].self) { deliveries in
            try await node.deliver(deliveries)
            return RPCEmpty()
        }
        register("chat.kick", ChatNodeRPCClient.Kick.self) { params in
            try await node.kick(uid: params.uid, session: params.session)
            return RPCEmpty()
        }
        register("chat.sessions", RPCEmpty.self) { _ in
            try await node.sessions()
        }
        register("chat.drain", ChatNodeRPCClient.Drain.self) { params in
            try await node.setDraining(params.draining, graceSeconds: params.graceSeconds)
        }
    }
}
