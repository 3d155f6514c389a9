import FluxContracts
import FluxProtocol
import Logging

/// `StatusAPI` over JSON-over-TCP RPC: what gates and chat nodes in other processes hold.
public struct StatusRPCClient: StatusAPI {
    private let client: any RPCCaller

    public init(client: any RPCCaller) {
        self.client = client
    }

    struct NodeName: Codable, Sendable { var name: String }
    struct UID: Codable, Sendable { var uid: Int64 }

    public func reportChatNode(_ report: ChatNodeReport) async throws(FluxError) {
        _ = try await client.call("status.report", report, as: RPCEmpty.self)
    }

    public func removeChatNode(name: String) async throws(FluxError) {
        _ = try await client.call("status.remove", NodeName(name: name), as: RPCEmpty.self)
    }

    public func assignChatNode(uid: Int64) async throws(FluxError) -> ChatAssignment {
        try await client.call("status.assign", UID(uid: uid), as: ChatAssignment.self)
    }

    struct Drain: Codable, Sendable {
        var name: String
        var draining: Bool
    }

    public func setDraining(name: String, _ draining: Bool) async throws(FluxError) -> ChatNodeReport {
        try await client.call("status.drain", Drain(name: name, draining: draining), as: ChatNodeReport.self)
    }

    public func liveChatNodes() async throws(FluxError) -> [ChatNodeReport] {
        try await client.call("status.nodes", RPCEmpty(), as: [ChatNodeReport].self)
    }
}

extension RPCServer {
    /// Serves `status` to other processes.
    public func serve(status: any StatusAPI) {
        register("status.report", ChatNodeReport.self) { report in
            try await status.reportChatNode(report)
            return RPCEmpty()
        }
        register("status.remove", StatusRPCClient.NodeName.self) { params in
            try await status.removeChatNode(name: params.name)
            return RPCEmpty()
        }
        register("status.assign", StatusRPCClient.UID.self) { params in
            try await status.assignChatNode(uid: params.uid)
        }
        register("status.nodes", RPCEmpty.self) { _ in
            try await status.liveChatNodes()
        }
        register("status.drain", StatusRPCClient.Drain.self) { params in
            try await status.setDraining(name: params.name, params.draining)
        }
    }
}
