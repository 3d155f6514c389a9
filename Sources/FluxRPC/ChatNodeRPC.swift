import FluxContracts
import FluxProtocol
import NIOCore

/// `ChatNodeAPI` over JSON-over-TCP RPC.
public struct ChatNodeRPCClient: ChatNodeAPI {
    private let client: any RPCCaller

    public init(client: any RPCCaller) {
        self.client = client
    }

    struct Kick: Codable, Sendable {
        var uid: Int64
        var session: String
    }

    /// In the compact binary form (`NodeDeliveryCodec`): no JSON coder on either side.
    public func deliver(_ deliveries: [NodeDelivery]) async throws(FluxError) {
        _ = try await client.call("chat.deliver.bin", params: NodeDeliveryCodec.encode(deliveries), timeout: nil)
    }

    public func deliverGroup(_ deliveries: [GroupDelivery]) async throws(FluxError) {
        _ = try await client.call("chat.deliverGroup", deliveries, as: RPCEmpty.self)
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
        register("chat.deliver.bin") { buffer in
            try await node.deliver(try NodeDeliveryCodec.decode(buffer))
            return ByteBuffer(string: "{}")
        }
        // The JSON form, for a node of the release before.
        register("chat.deliver", [NodeDelivery].self) { deliveries in
            try await node.deliver(deliveries)
            return RPCEmpty()
        }
        register("chat.deliverGroup", [GroupDelivery].self) { deliveries in
            try await node.deliverGroup(deliveries)
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
