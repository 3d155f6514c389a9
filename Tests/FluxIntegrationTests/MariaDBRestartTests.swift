import FluxTestSupport
import FluxClient
import FluxProtocol
import FluxStore
import Foundation
import Testing

/// Restart MariaDB while texts flow: senders get errors, never a false 1018, and every acknowledged text
/// is stored; Flux reconnects by itself.
@Suite struct MariaDBRestartTests {
    @Test func acknowledgedTextsAreStoredAcrossADatabaseRestart() async throws {
        let server = try await TestMariaDBServer.start()
        defer { server.stop() }
        let url = try MariaDBURL(parsing: "mysql://flux:flux@127.0.0.1:\(server.port)/flux_restart")
        try await MariaDBStore.createDatabase(url)
        try await TestFlux.run(environment: ["FLUX_DB_URL": "mysql://flux:flux@127.0.0.1:\(server.port)/flux_restart"]) {
            (flux: TestFlux) async throws in
            let ida = try await ChatUser.signUp(flux, "ida")
            let jay = try await ChatUser.signUp(flux, "jay")
            try await makeFriends(ida, jay)

            let sender = Task { () -> (acknowledged: [String], refused: Int) in
                var acknowledged: [String] = []
                var refused = 0
                for index in 0..<100 {
                    let reply = try await ida.text(jay, "m\(index)", msgid: "db-\(index)")
                    if reply.error == .success { acknowledged.append("db-\(index)") } else { refused += 1 }
                    try await Task.sleep(for: .milliseconds(15))
                }
                return (acknowledged, refused)
            }
            try await Task.sleep(for: .milliseconds(300))
            server.stop()
            try await Task.sleep(for: .milliseconds(600))
            try server.restart()
            try await server.waitUntilReady()
            let (acknowledged, refused) = try await sender.value
            #expect(refused > 0, "the database was down while texts were sent")
            #expect(acknowledged.count > 0)

            // After the restart everything acknowledged is in the store, and the chat works again.
            var history: HistoryResponse?
            _ = await eventually(every: .milliseconds(100)) {
                history = try? await ida.client.request(.history, HistoryRequest(peer: jay.uid, limit: 200), as: HistoryResponse.self)
                return history?.error == .success
            }
            let stored = Set(history?.messages.map(\.msgid) ?? [])
            let missing = Set(acknowledged).subtracting(stored)
            #expect(missing.isEmpty, "acknowledged but not stored: \(missing.sorted())")
            var after: TextChatMessage?
            var attempt = 0
            _ = try await eventually(every: .milliseconds(100)) {
                attempt += 1
                after = try await ida.text(jay, "after restart", msgid: "db-after-\(attempt)")
                return after?.error == .success
            }
            #expect(after?.error == .success)
        }
    }

    /// Issue 12 item 7: after a restart every pooled connection is dead, and the first request that
    /// borrows one must still succeed (no 1014, no retry by the client). Two restarts, so that the gate
    /// login and the chat text each meet dead connections.
    @Test func firstRequestsAfterARestartSucceed() async throws {
        let server = try await TestMariaDBServer.start()
        defer { server.stop() }
        let url = "mysql://flux:flux@127.0.0.1:\(server.port)/flux_reconnect"
        try await MariaDBStore.createDatabase(try MariaDBURL(parsing: url))
        try await TestFlux.run(environment: ["FLUX_DB_URL": url]) { (flux: TestFlux) async throws in
            let kim = try await ChatUser.signUp(flux, "kim")
            let lou = try await ChatUser.signUp(flux, "lou")
            try await makeFriends(kim, lou)
            // Kim's session now knows Lou is a friend: the text after the restart goes straight to the store's
            // message transaction.
            #expect(try await kim.text(lou, "before", msgid: "r-before").error == .success)

            try await restartAfterIdle(server)
            let login = try await flux.gate.post("user_login", ["email": kim.email, "passwd": kim.password])
            #expect(login.error == 0, "first login after the restart: \(login.text)")
            // One more call, so the pooled connection is open again (today a failed call leaves its
            // connection closed, and the next call would connect afresh instead of meeting a dead one).
            let again = try await flux.gate.post("user_login", ["email": lou.email, "passwd": lou.password])
            #expect(again.error == 0, "second login after the restart: \(again.text)")

            try await restartAfterIdle(server)
            let text = try await kim.text(lou, "after restart", msgid: "r-after")
            #expect(text.error == .success, "first text after the restart")
            #expect(text.textArray.map(\.msgid) == ["r-after"])
        }
    }

    /// Lets the pool's connections sit idle, then kills MariaDB and starts it again on the same data.
    private func restartAfterIdle(_ server: TestMariaDBServer) async throws {
        try await Task.sleep(for: .milliseconds(1500))
        server.stop()
        try server.restart()
        try await server.waitUntilReady()
    }
}

/// A MariaDB server of the test's own, so it can be killed and started again on the same data.
final class TestMariaDBServer: @unchecked Sendable {
    // @unchecked: `process` is replaced only by `restart()`, called by the one test task between its
    // other calls.
    let port: Int
    let folder: String
    private var process: Process

    static func start() async throws -> TestMariaDBServer {
        guard FileManager.default.isExecutableFile(atPath: "/usr/sbin/mariadbd"),
            FileManager.default.isExecutableFile(atPath: "/usr/bin/mariadb-install-db")
        else { throw MissingTestServer("mariadb-server is not installed (make deps installs it)") }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("flux-mariadb-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let install = Process()
        install.executableURL = URL(fileURLWithPath: "/usr/bin/mariadb-install-db")
        install.arguments = ["--no-defaults", "--datadir=\(folder)/data", "--user=\(NSUserName())", "--skip-test-db",
                             "--auth-root-authentication-method=normal"]
        install.standardOutput = FileHandle.nullDevice
        install.standardError = FileHandle.nullDevice
        try install.run()
        _ = await eventually(within: .seconds(15), every: .milliseconds(50)) { !install.isRunning }
        let port = try freeLoopbackPort()
        let server = TestMariaDBServer(port: port, folder: folder, process: try launch(port: port, folder: folder))
        try await server.waitUntilReady()
        return server
    }

    private init(port: Int, folder: String, process: Process) {
        self.port = port
        self.folder = folder
        self.process = process
    }

    private static func launch(port: Int, folder: String) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/sbin/mariadbd")
        process.arguments = [
            // A temporary folder of its own: a server clears stale temporary tables from its tmpdir at start,
            // which in a shared /tmp are the other test server's live ones.
            "--no-defaults", "--datadir=\(folder)/data", "--tmpdir=\(folder)", "--socket=\(folder)/mariadb.sock", "--port=\(port)",
            "--bind-address=127.0.0.1", "--user=\(NSUserName())", "--skip-grant-tables", "--innodb-buffer-pool-size=32M",
            "--skip-log-bin",
        ]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        return process
    }

    func waitUntilReady() async throws {
        if await eventually(within: .seconds(15), every: .milliseconds(50), { canConnect(port: port) }) { return }
        throw MissingTestServer("MariaDB did not start on port \(port)")
    }

    func stop() {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        for _ in 0..<300 where canConnect(port: port) { usleep(10_000) }
    }

    func restart() throws {
        stop()
        process = try Self.launch(port: port, folder: folder)
    }
}

#if canImport(Glibc)
import Glibc
#endif
