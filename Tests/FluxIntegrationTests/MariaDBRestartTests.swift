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
        let environment = [
            "FLUX_DB_URL": "mysql://flux:flux@127.0.0.1:\(server.port)/flux_restart",
            // The flow sends as fast as answers come: no text limit may refuse it.
            "FLUX_CHAT_TEXTS_PER_SECOND": "10000000",
        ]
        try await TestFlux.run(environment: environment) { (flux: TestFlux) async throws in
            let ida = try await ChatUser.signUp(flux, "ida")
            let jay = try await ChatUser.signUp(flux, "jay")
            try await makeFriends(ida, jay)

            // Texts flow; the database dies under them; a text is refused; the database comes back.
            let flow = TextFlow.start(from: ida, to: jay, msgids: "db")
            let flowing = await eventually(within: .seconds(30)) { flow.acknowledged.count >= 10 }
            server.stop()
            let refused = await eventually(within: .seconds(30)) { flow.wasRefused }
            try server.restart()
            try await server.waitUntilReady()
            let acknowledged = await flow.finish()
            #expect(flowing, "texts did not flow before the restart: \(acknowledged.count) acknowledged")
            #expect(refused, "no text was refused while the database was down")

            // After the restart everything acknowledged is in the store, and the chat works again.
            var stored = Set<String>()
            _ = await eventually(within: .seconds(30), every: .milliseconds(100)) {
                guard let all = try? await ida.client.storedMsgids(with: jay.uid) else { return false }
                stored = all
                return true
            }
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

    /// (g) on split processes: a front and two chat nodes share a MariaDB that restarts; the next HTTP
    /// login, the chat login it leads to and a text across the nodes all succeed at the first try.
    @Test func aSplitClusterLogsInAndTextsAcrossNodesAfterARestart() async throws {
        let server = try await TestMariaDBServer.start()
        defer { server.stop() }
        let url = "mysql://flux:flux@127.0.0.1:\(server.port)/flux_split"
        try await MariaDBStore.createDatabase(try MariaDBURL(parsing: url))
        let cluster = try await FaultCluster.start(fronts: 1, nodes: 2, redis: try await testRedisURL(database: 13), database: url)
        defer { cluster.stop() }
        let pair = try await ClusterFaultTests.pair(cluster, "dbsplit")
        #expect(await pair.texts.send("split-before"))

        try await restartAfterIdle(server)
        let (again, _) = try await cluster.logIn(pair.senderAccount, on: "chat-1")
        let text = TextChatMessage(
            fromuid: pair.senderAccount.uid, touid: pair.receiverAccount.uid, textArray: [TextItem(msgid: "split-after", content: "after")])
        #expect(try await again.request(.textChat, text, as: ErrorReply.self).error == .success, "first text after the restart")
        let missing = await pair.inbox.waitFor(["split-before", "split-after"], until: .now.advanced(by: .seconds(10)))
        #expect(missing.isEmpty, "texts that did not reach the other node's user: \(missing)")
        await pair.inbox.stop()
        await again.close()
    }

    /// Kills MariaDB and starts it again on the same data. Every request of the test has been answered,
    /// so the connections it used are back in the pool, idle, and die with the server.
    private func restartAfterIdle(_ server: TestMariaDBServer) async throws {
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
    private var process: ChildProcess

    static func start() async throws -> TestMariaDBServer {
        guard FileManager.default.isExecutableFile(atPath: "/usr/sbin/mariadbd"),
            FileManager.default.isExecutableFile(atPath: "/usr/bin/mariadb-install-db")
        else { throw MissingTestServer("mariadb-server is not installed (make deps installs it)") }
        let folder = TestFolder.path("flux-mariadb")
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let install = ChildProcess()
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

    private init(port: Int, folder: String, process: ChildProcess) {
        self.port = port
        self.folder = folder
        self.process = process
    }

    private static func launch(port: Int, folder: String) throws -> ChildProcess {
        let process = ChildProcess()
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
        // InnoDB's start takes seconds on a loaded machine (and this is a second server beside the suite's).
        let process = self.process
        if await eventually(within: .seconds(60), every: .milliseconds(50), { canConnect(port: port) || !process.isRunning }),
            canConnect(port: port)
        {
            return
        }
        throw MissingTestServer("MariaDB did not start on port \(port)" + (process.isRunning ? " within 60 s" : ": mariadbd exited"))
    }

    func stop() {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        _ = eventuallyBlocking(within: .seconds(3)) { !canConnect(port: port) }
    }

    func restart() throws {
        stop()
        process = try Self.launch(port: port, folder: folder)
    }
}

#if canImport(Glibc)
import Glibc
#endif
