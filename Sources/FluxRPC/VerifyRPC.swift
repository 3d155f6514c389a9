import FluxContracts
import FluxProtocol

/// `VerifyAPI` over JSON-over-TCP RPC: what a gate in another process holds.
public struct VerifyRPCClient: VerifyAPI {
    private let client: any RPCCaller

    public init(client: any RPCCaller) {
        self.client = client
    }

    struct SendParams: Codable, Sendable {
        var email: String
        var clientAddress: String?
    }

    struct CodeParams: Codable, Sendable {
        var email: String
        var code: String
    }

    public func sendCode(email: String, clientAddress: String?) async throws(FluxError) {
        // Sending a mail may take a while (SMTP): allow more than the default.
        _ = try await client.call("verify.send", SendParams(email: email, clientAddress: clientAddress), as: RPCEmpty.self, timeout: .seconds(30))
    }

    public func checkCode(email: String, code: String) async throws(FluxError) {
        _ = try await client.call("verify.check", CodeParams(email: email, code: code), as: RPCEmpty.self)
    }

    public func consumeCode(email: String, code: String) async throws(FluxError) {
        _ = try await client.call("verify.consume", CodeParams(email: email, code: code), as: RPCEmpty.self)
    }
}

extension RPCServer {
    /// Serves `verify` to other processes.
    public func serve(verify: any VerifyAPI) {
        register("verify.send", VerifyRPCClient.SendParams.self) { params in
            try await verify.sendCode(email: params.email, clientAddress: params.clientAddress)
            return RPCEmpty()
        }
        register("verify.check", VerifyRPCClient.CodeParams.self) { params in
            try await verify.checkCode(email: params.email, code: params.code)
            return RPCEmpty()
        }
        register("verify.consume", VerifyRPCClient.CodeParams.self) { params in
            try await verify.consumeCode(email: params.email, code: params.code)
            return RPCEmpty()
        }
    }
}
