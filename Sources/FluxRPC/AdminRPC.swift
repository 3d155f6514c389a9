import FluxContracts
import FluxProtocol
/// `AdminAPI` over JSON-over-TCP RPC (what `flux admin` uses).
public struct AdminRPCClient: AdminAPI {
    private let client: any RPCCaller

    public init(client: any RPCCaller) {
        self.client = client
    }

    struct Drain: Codable, Sendable {
        var name: String
        var draining: Bool
        var graceSeconds: Double
    }

    struct Node: Codable, Sendable { var node: String? }
    struct UID: Codable, Sendable { var uid: Int64 }
    struct Kicked: Codable, Sendable { var session: SessionSummary? }
    struct Flag: Codable, Sendable { var value: Bool }

    public func nodes() async throws(FluxError) -> [ChatNodeReport] {
        try await client.call("admin.nodes", RPCEmpty(), as: [ChatNodeReport].self)
    }

    public func drain(node name: String, draining: Bool, graceSeconds: Double) async throws(FluxError) -> DrainResult {
        try await client.call("admin.drain", Drain(name: name, draining: draining, graceSeconds: graceSeconds), as: DrainResult.self)
    }

    public func sessions(node: String?) async throws(FluxError) -> [SessionSummary] {
        try await client.call("admin.sessions", Node(node: node), as: [SessionSummary].self)
    }

    public func kick(uid: Int64) async throws(FluxError) -> SessionSummary? {
        try await client.call("admin.kick", UID(uid: uid), as: Kicked.self).session
    }

    public func forget(uid: Int64) async throws(FluxError) -> Bool {
        try await client.call("admin.forget", UID(uid: uid), as: Flag.self).value
    }
}

extension RPCServer {
    /// Serves `admin` to `flux admin`.
    public func serve(admin: any AdminAPI) {
        register("admin.nodes", RPCEmpty.self) { _ in try await admin.nodes() }
        register("admin.drain", AdminRPCClient.Drain.self) { params in
            try await admin.drain(node: params.name, draining: params.draining, graceSeconds: params.graceSeconds)
        }
        register("admin.sessions", AdminRPCClient.Node.self) { params in try await admin.sessions(node: params.node) }
        register("admin.kick", AdminRPCClient.UID.self) { params in AdminRPCClient.Kicked(session: try await admin.kick(uid: params.uid)) }
        register("admin.forget", AdminRPCClient.UID.self) { params in AdminRPCClient.Flag(value: try await admin.forget(uid: params.uid)) }
    }
}
