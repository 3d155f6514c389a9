import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A plain HTTP client for the gate, as a client of the original system would use it.
struct GateClient: Sendable {
    let port: Int

    struct Reply: @unchecked Sendable {
        // @unchecked: `json` holds only JSONSerialization's immutable value types.
        let status: Int
        let json: [String: Any]
        let text: String

        var error: Int? { json["error"] as? Int }
        subscript(key: String) -> Any? { json[key] }
    }

    func post(_ path: String, _ fields: [String: Any]) async throws -> Reply {
        try await post(path, body: try JSONSerialization.data(withJSONObject: fields))
    }

    func post(_ path: String, body: Data) async throws -> Reply {
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)/\(path)")!)
        request.httpMethod = "POST"
        request.httpBody = body
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        return try await send(request)
    }

    func get(_ path: String) async throws -> Reply {
        try await send(URLRequest(url: URL(string: "http://127.0.0.1:\(port)/\(path)")!))
    }

    private func send(_ request: URLRequest) async throws -> Reply {
        let (data, response) = try await URLSession.shared.data(for: request)
        let status = (response as? HTTPURLResponse)?.statusCode ?? 0
        let json = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:]
        return Reply(status: status, json: json, text: String(decoding: data, as: UTF8.self))
    }
}
