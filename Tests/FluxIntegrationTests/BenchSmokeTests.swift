import Foundation
import Testing

/// `flux bench all`, briefly: every scenario runs and prints its figures (no timing is asserted).
@Suite struct BenchSmokeTests {
    @Test func everyScenarioRunsAndReportsItsFigures() async throws {
        let redis = try await testRedisURL(database: 5)
        let result = try await FluxProcess.runToEnd([
            "bench", "all", "--duration", "1", "--warmup", "0.5", "--pairs", "2", "--window", "4", "--connections", "40",
            "--login-concurrency", "2", "--scrypt-log-n", "10", "--redis", redis, "--json", "--groups", "3", "--members", "4",
            // A modest rate: the other tests run at the same time on this machine.
            "--rate", "400", "--stalled", "200", "--flood-logins", "2",
        ])
        #expect(result.status == 0, "\(result.errors)")
        let reports = try #require(try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [[String: Any]], "\(result.output)")
        func figure(_ scenario: String, _ name: String) -> Double? {
            let report = reports.first { $0["scenario"] as? String == scenario }
            let figures = report?["figures"] as? [[String: Any]]
            return figures?.first { $0["name"] as? String == name }?["value"] as? Double
        }
        #expect(reports.compactMap { $0["scenario"] as? String } == ["baseline", "relay", "cluster-relay", "group", "idle", "login", "flood"])
        for scenario in ["baseline", "relay", "cluster-relay"] {
            #expect((figure(scenario, "delivered") ?? 0) > 0, "\(scenario) delivered nothing")
            #expect(figure(scenario, "send→notify samples") != nil)
        }
        for scenario in ["relay", "cluster-relay"] {
            // Every acknowledged text is stored and delivered.
            #expect(figure(scenario, "stored") == figure(scenario, "acknowledged (1018)"), "\(scenario)")
            #expect(figure(scenario, "acknowledged but not delivered") == 0, "\(scenario)")
            #expect(figure(scenario, "refused") == 0, "\(scenario)")
            #expect(figure(scenario, "of baseline") != nil)
        }
        // Every acknowledged group text is stored once and reaches every member.
        #expect((figure("group", "fan-out deliveries") ?? 0) > 0)
        #expect(figure("group", "stored rows") == figure("group", "acknowledged (1134)"))
        let groupNotes = reports.first { $0["scenario"] as? String == "group" }?["notes"] ?? []
        #expect(figure("group", "texts not received by every member") == 0, "\(groupNotes)")
        #expect(figure("group", "refused") == 0)
        #expect(figure("group", "send→last member samples") != nil)
        #expect((figure("idle", "per connection") ?? 0) > 0)
        #expect(reports.first { $0["scenario"] as? String == "idle" }.flatMap { ($0["parameters"] as? [String: Any])?["connections"] as? String } == "40")
        #expect((figure("login", "logins (HTTP + chat)") ?? 0) > 0)
        // A small flood (EdgeTests runs the full one): the honest logins during it all succeeded.
        #expect(figure("flood", "stalled connections opened") == 200)
        #expect(figure("flood", "login (HTTP + chat) during the flood samples") == 2)
    }

    /// Issue 14: the relay and the idle connections over WebSocket (`--transport ws`), briefly, at a modest rate.
    @Test func relayAndIdleOverWebSocket() async throws {
        let relayRun = try await FluxProcess.runToEnd([
            "bench", "relay", "--transport", "ws", "--duration", "1", "--warmup", "0.5", "--pairs", "2", "--window", "4",
            "--rate", "200", "--json",
        ])
        #expect(relayRun.status == 0, "\(relayRun.errors)")
        let relay = try Self.report(relayRun.output, "relay")
        #expect(relay.parameters["transport"] == "ws")
        #expect((relay.figures["delivered"] ?? 0) > 0, "relay over WebSocket delivered nothing: \(relay.figures)")
        #expect(relay.figures["send→notify samples"].map { $0 > 0 } == true)
        // Every acknowledged text is stored and delivered; none refused.
        #expect((relay.figures["acknowledged (1018)"] ?? 0) > 0)
        #expect(relay.figures["stored"] == relay.figures["acknowledged (1018)"])
        #expect(relay.figures["acknowledged but not delivered"] == 0)
        #expect(relay.figures["refused"] == 0)
        // The baseline beside it stays TCP (it has no transport).
        #expect(try Self.report(relayRun.output, "baseline").parameters["transport"] == nil)

        let idleRun = try await FluxProcess.runToEnd([
            "bench", "idle", "--transport", "ws", "--duration", "1", "--connections", "40", "--json",
        ])
        #expect(idleRun.status == 0, "\(idleRun.errors)")
        let idle = try Self.report(idleRun.output, "idle")
        #expect(idle.parameters["transport"] == "ws" && idle.parameters["connections"] == "40", "all 40 WebSocket sessions logged in: \(idle.parameters)")
        #expect((idle.figures["per connection"] ?? 0) > 0, "\(idle.figures)")
        #expect((idle.figures["HTTP logins (scrypt 2^10)"] ?? 0) > 0)
    }

    /// One scenario's parameters and figures (name → value) from `flux bench --json` output.
    static func report(_ output: String, _ scenario: String) throws -> (parameters: [String: String], figures: [String: Double]) {
        let reports = try #require(try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [[String: Any]], "\(output)")
        let report = try #require(reports.first { $0["scenario"] as? String == scenario }, "no \(scenario) in \(output)")
        let figures = (report["figures"] as? [[String: Any]] ?? []).compactMap { figure in
            (figure["name"] as? String).map { ($0, figure["value"] as? Double ?? -1) }
        }
        return (report["parameters"] as? [String: String] ?? [:], Dictionary(figures) { first, _ in first })
    }

    @Test func relayAgainstARunningFlux() async throws {
        let gatePort = try freeLoopbackPort()
        let flux = try FluxProcess.start(["--role", "all"], environment: ["FLUX_GATE_PORT": "\(gatePort)", "FLUX_GATE_HOST": "127.0.0.1"])
        defer { flux.kill() }
        try await flux.waitForLog("chat listening")
        let result = try await FluxProcess.runToEnd([
            "bench", "relay", "--target", "127.0.0.1:\(gatePort)", "--db", "sqlite://\(flux.dataDirectory)/flux.sqlite",
            "--duration", "1", "--warmup", "0.5", "--pairs", "2", "--window", "4", "--rate", "200", "--json",
        ])
        #expect(result.status == 0, "\(result.errors)")
        let reports = try #require(try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [[String: Any]], "\(result.output)")
        let relay = try #require(reports.first { $0["scenario"] as? String == "relay" })
        let figures = Dictionary(
            uniqueKeysWithValues: (relay["figures"] as? [[String: Any]] ?? []).compactMap { figure in
                (figure["name"] as? String).map { ($0, figure["value"] as? Double ?? -1) }
            })
        #expect((figures["delivered"] ?? 0) > 0)
        #expect(figures["stored"] == figures["acknowledged (1018)"])
        #expect(figures["acknowledged but not delivered"] == 0)
        // cluster-relay starts its own cluster: --target is refused as a usage error.
        #expect(try await FluxProcess.runToEnd(["bench", "cluster-relay", "--target", "127.0.0.1:1", "--db", "sqlite://x"]).status == 2)
    }
}
