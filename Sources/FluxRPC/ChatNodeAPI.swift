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

    public init(uid: Int64, frameID: UInt16, body: String, messageID: Int64? = nil) {
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
    }
}
