import FluxProtocol
import Foundation
import NIOCore
import NIOFoundationCompat

/// Something that runs RPC calls: one peer (`RPCClient`) or a list of peers with fail-over
/// (`RPCFailoverClient`). The role adapters (`StatusRPCClient`, …) hold one of these.
public protocol RPCCaller: Sendable {
    /// Calls `method` with JSON `params` and returns the JSON result, or throws the peer's `FluxError`
    /// (1002 when the peer cannot be reached).
    func call(_ method: String, params: ByteBuffer, timeout: Duration?) async throws(FluxError) -> ByteBuffer
}

extension RPCCaller {
    /// Calls a typed method.
    public func call<P: Encodable, R: Decodable>(_ method: String, _ params: P, as type: R.Type, timeout: Duration? = nil) async throws(FluxError) -> R {
        let data: Data
        do {
            data = try JSONEncoder().encode(params)
        } catch {
            throw FluxError(.internalError, "cannot encode params of \(method): \(error)")
        }
        let result = try await call(method, params: ByteBuffer(data: data), timeout: timeout)
        do {
            return try JSONDecoder().decode(R.self, from: result)
        } catch {
            throw FluxError(.rpcFailed, "bad result for \(method): \(error)")
        }
    }
}
