import Foundation
import FluxProtocol
import Hummingbird
import Metrics

/// The gate's HTTP routes (protocol reference §2). Every route answers JSON with an `error` field;
/// failures keep HTTP 200 as the original did, except an oversized body (413).
struct GateRoutes: Sendable {
    let accounts: AccountService
    let maxBodyBytes: Int

    func register(on router: Router<GateRequestContext>) {
        router.post("get_varifycode") { request, context in
            try await handle(request, context, VerifyCodeRequest.self) { (body) async throws(FluxError) in
                try await accounts.requestCode(body, clientAddress: context.clientAddress)
            }
        }
        router.post("user_register") { request, context in
            try await handle(request, context, RegisterRequest.self) { (body) async throws(FluxError) in try await accounts.register(body) }
        }
        router.post("reset_pwd") { request, context in
            try await handle(request, context, ResetPasswordRequest.self) { (body) async throws(FluxError) in try await accounts.resetPassword(body) }
        }
        router.post("user_login") { request, context in
            try await handle(request, context, LoginRequest.self) { (body) async throws(FluxError) in try await accounts.login(body, clientAddress: context.clientAddress) }
        }
        router.get("healthz") { _, _ in
            Self.json(#"{"error":0,"status":"ok"}"#)
        }
    }

    /// Reads and decodes the body, runs `action`, and encodes its result or the `FluxError` code.
    private func handle<Body: Decodable, Result: Encodable>(
        _ request: Request,
        _ context: GateRequestContext,
        _ type: Body.Type,
        _ action: (Body) async throws(FluxError) -> Result
    ) async throws -> Response {
        let start = ContinuousClock.now
        let path = request.uri.path
        var code = ErrorCode.success
        defer {
            let dimensions = [("path", path)]
            Timer(label: "flux_gate_request_seconds", dimensions: dimensions, preferredDisplayUnit: .seconds).record(duration: ContinuousClock.now - start)
            Counter(label: "flux_gate_requests_total", dimensions: [("path", path), ("error", "\(code.rawValue)")]).increment()
        }
        var request = request
        let buffer: ByteBuffer
        do {
            buffer = try await request.collectBody(upTo: maxBodyBytes)
        } catch {
            code = .payloadTooLarge
            // Closes the connection once written: the rest of an oversized body is not read.
            var response = Self.json(Self.encode(ErrorResponse(error: .payloadTooLarge)), status: .contentTooLarge)
            response.headers[.connection] = "close"
            return response
        }
        let body: Body
        do {
            body = try JSONDecoder().decode(Body.self, from: Data(buffer: buffer))
        } catch {
            context.logger.debug("bad request body", metadata: ["path": "\(request.uri.path)"])
            code = .badJSON
            return Self.json(Self.encode(ErrorResponse(error: .badJSON)))
        }
        do {
            return Self.json(Self.encode(try await action(body)))
        } catch {
            code = error.code
            context.logger.info(
                "request refused",
                metadata: ["path": "\(request.uri.path)", "error": "\(error.code.rawValue)", "reason": "\(error.reason)"])
            return Self.json(Self.encode(ErrorResponse(error: error.code)))
        }
    }

    private static func encode(_ value: some Encodable) -> String {
        // Encoding these plain structs cannot fail; fall back to an internal error rather than crash.
        (try? String(decoding: JSONEncoder().encode(value), as: UTF8.self)) ?? #"{"error":1014}"#
    }

    private static func json(_ text: String, status: HTTPResponse.Status = .ok) -> Response {
        Response(
            status: status,
            headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(string: text)))
    }
}
