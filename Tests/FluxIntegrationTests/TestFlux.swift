import Foundation
import FluxServer
import FluxKV
import FluxTestSupport
import Logging

/// A real `FluxServer` with the chosen roles, started in-process on an ephemeral loopback port with its
/// own data folder, for one test.
struct TestFlux: Sendable {
    let server: FluxServer
    let gate: GateClient
    /// The chat listener's port, when the chat role runs.
    let chatPort: Int?
    let dataDirectory: String

    /// Starts the server, runs `body`, then shuts the server down gracefully and waits for it to stop.
    /// With `time`, the server's rate-limit windows and in-memory KV expiries move only when the test
    /// advances it. With `logs`, the server logs everything (debug and up) there instead of nowhere.
    static func run(
        roles: String = "all",
        environment: [String: String] = [:],
        time: ManualTime? = nil,
        logs: CapturedLogs? = nil,
        _ body: (TestFlux) async throws -> Void
    ) async throws {
        let dataDirectory = TestFolder.path("flux-it")
        var env = [
            "FLUX_DATA_DIR": dataDirectory,
            "FLUX_GATE_HOST": "127.0.0.1",
            "FLUX_GATE_PORT": "0",
            "FLUX_CHAT_HOST": "127.0.0.1",
            "FLUX_CHAT_PORT": "0",
            "FLUX_CHAT_WS_PORT": "0",
            "FLUX_STATUS_RPC_PORT": "0",
            "FLUX_METRICS_PORT": "0",
            // Cheap hashes: these tests check behaviour, not hash strength.
            "FLUX_SECURITY_SCRYPT_LOG_N": "10",
        ]
        if roles != "all" {
            env["FLUX_RPC_SECRET"] = clusterSecret
            env["FLUX_RPC_HOST"] = "127.0.0.1"
        }
        env.merge(environment) { _, new in new }
        let configuration = try await ConfigurationLoader(environment: env).load(roles: try Role.parseList(roles))
        var logger = logs?.logger ?? Logger(label: "flux-test")
        if logs == nil {
            logger.logLevel = ProcessInfo.processInfo.environment["FLUX_TEST_LOG_LEVEL"].flatMap { Logger.Level(rawValue: $0) } ?? .critical
        }
        let clocks = time.map { ServerClocks(wallSeconds: $0.wallSeconds, monotonic: $0.now) } ?? .real
        let server = try await FluxServer(configuration: configuration, logger: logger, signals: [], clocks: clocks)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await server.run() }
            let port = try await server.gateReady.wait()
            let chatPort = configuration.roles.contains(.chat) ? try await server.chatReady.wait() : nil
            let flux = TestFlux(server: server, gate: GateClient(port: port), chatPort: chatPort, dataDirectory: dataDirectory)
            do {
                try await body(flux)
            } catch {
                await server.shutdown()
                throw error
            }
            await server.shutdown()
            try await group.waitForAll()
        }
        try? FileManager.default.removeItem(atPath: dataDirectory)
    }

    /// `host:port` of the status role's RPC listener, for `flux admin --status`.
    func statusAddress() async throws -> String {
        "127.0.0.1:\(try await server.statusRPCReady.wait())"
    }

    var outbox: Outbox { Outbox(folder: dataDirectory + "/outbox") }
    var databasePath: String { dataDirectory + "/flux.sqlite" }
}

/// The test Redis (`FLUX_TEST_REDIS_URL`) with database `db`, emptied: tests that run Flux on Redis each
/// use their own database, because every test's users start at uid 1. Taken: 0 (KV tests), 1 GateErrorTests,
/// 2–3 ClusterTests, 4 ClusterAdminTests, 5 BenchSmokeTests, 6–9 ClusterFaultTests, 10–11 ClusterGroupTests, 12 RunLocalScriptTests, 13 MariaDBRestartTests, 14 ProcessTests.
func testRedisURL(database: Int) async throws -> String {
    guard let base = ProcessInfo.processInfo.environment["FLUX_TEST_REDIS_URL"], let url = try? RedisURL(parsing: base) else {
        throw MissingTestServer(
            "FLUX_TEST_REDIS_URL is not set: this test needs a real redis-server (make test starts one)")
    }
    let text = "redis://\(url.host):\(url.port)/\(database)"
    let store = RedisKeyValueStore(url: try RedisURL(parsing: text), connections: 1)
    try await store.flushDatabase()
    await store.close()
    return text
}

struct MissingTestServer: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
