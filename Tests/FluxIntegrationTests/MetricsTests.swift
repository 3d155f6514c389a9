import FluxTestSupport
import FluxClient
import FluxProtocol
import Foundation
import Testing

/// `/metrics` scraped while a scripted client logs in and sends texts. The chat node has a name of its
/// own, so its series are this test's alone although tests share the process's registry.
@Suite struct MetricsTests {
    @Test func countersMoveAsClientsLogInAndSendTexts() async throws {
        let node = "metrics-\(UUID().uuidString.prefix(8).lowercased())"
        let environment = ["FLUX_CHAT_NAME": node]
        try await TestFlux.run(environment: environment) { (flux: TestFlux) async throws in
            let labels = ["node": node]
            // Metrics are not on the public gate port, only on the metrics listener.
            #expect(try await flux.gate.get("metrics").status == 404)
            let metricsPort = try await flux.server.metricsReady.wait()
            let before = try await PrometheusText.scrape(port: metricsPort)
            #expect(before.value("flux_chat_sessions", labels) == 0)
            #expect(before.value("flux_messages_in_total", labels) == 0)
            let loginsBefore = before.value("flux_gate_requests_total", ["path": "/user_login", "error": "0"]) ?? 0

            let ann = try await ChatUser.signUp(flux, "mann")
            let ben = try await ChatUser.signUp(flux, "mben")
            try await makeFriends(ann, ben)
            for index in 0..<5 {
                #expect(try await ann.text(ben, "hello \(index)").error == .success)
            }
            for _ in 0..<5 { _ = try await ben.client.next(.notifyTextChat) }

            // A wrong token is counted by its error code.
            let intruder = try await ChatClient.connect(host: "127.0.0.1", port: try #require(flux.chatPort))
            let refused = try await intruder.request(.chatLogin, ChatLoginRequest(uid: ann.uid, token: "wrong"), as: ErrorReply.self)
            #expect(refused.error == .tokenInvalid)

            // Deliveries are counted just after the socket write: allow the writer a moment.
            var after = try await PrometheusText.scrape(port: metricsPort)
            _ = try await eventually {
                after = try await PrometheusText.scrape(port: metricsPort)
                return after.value("flux_delivery_seconds_count", labels) == 5
            }
            #expect(after.value("flux_chat_logins_total", ["node": node, "result": "0"]) == 2)
            #expect(after.value("flux_chat_logins_total", ["node": node, "result": "1010"]) == 1)
            #expect(after.value("flux_chat_sessions", labels) == 2)
            #expect(after.value("flux_messages_in_total", labels) == 5)
            #expect(after.value("flux_messages_out_total", labels) == 5)
            #expect(after.value("flux_delivery_seconds_count", labels) == 5)
            #expect((after.value("flux_gate_requests_total", ["path": "/user_login", "error": "0"]) ?? 0) >= loginsBefore + 2)
            #expect((after.value("flux_store_call_seconds_count", ["op": "appendMessages"]) ?? 0) >= 1)
            #expect((after.value("flux_kv_call_seconds_count", ["op": "get"]) ?? 0) >= 1)
            // The heap in use, read at the scrape: a running server has megabytes of it.
            #expect((after.value("flux_heap_in_use_bytes", [:]) ?? 0) > 1_000_000)
            #expect(after.text.contains("# TYPE flux_delivery_seconds histogram"))

            await ann.client.close()
            _ = try await eventually { try await PrometheusText.scrape(port: metricsPort).value("flux_chat_sessions", labels) == 1 }
            #expect(try await PrometheusText.scrape(port: metricsPort).value("flux_chat_sessions", labels) == 1)
            await ben.client.close()
            await intruder.close()
        }
    }
}
