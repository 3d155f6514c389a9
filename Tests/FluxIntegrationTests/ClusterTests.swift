import FluxTestSupport
import FluxClient
import FluxProtocol
import FluxStore
import Foundation
import FluxContracts
import Logging
import FluxRPC
import Testing

/// The cluster secret of the test clusters (split roles refuse to start without one).
let clusterSecret = "integration-tests-cluster-secret-0123456789"

/// The production shape in separate processes: gate+status+verify, two chat nodes, a real Redis and one
/// SQLite file shared by the processes.
@Suite struct ClusterTests {
    /// A running cluster of three `flux` processes.
    struct Cluster {
        let front: FluxProcess
        var nodes: [String: (process: FluxProcess, port: Int)]
        let gate: GateClient
        let outbox: Outbox
        /// The status role's RPC listener, where `flux admin` connects.
        let statusAddress: String

        /// Starts the cluster; tries again with new ports if a port picked as free was taken meanwhile by
        /// another test's listener (ports are picked, then bound by the child processes).
        static func start(redis: String, database: String, nodeLifetime: String = "2.5") async throws -> Cluster {
            var attempt = 1
            while true {
                do {
                    return try await startOnce(redis: redis, database: database, nodeLifetime: nodeLifetime)
                } catch let error as FluxProcessError where attempt < 3 {
                    attempt += 1
                    _ = error
                }
            }
        }

        private static func startOnce(redis: String, database: String, nodeLifetime: String) async throws -> Cluster {
            var started: [FluxProcess] = []
            do {
                return try await launch(redis: redis, database: database, nodeLifetime: nodeLifetime) { started.append($0) }
            } catch {
                for process in started { process.kill() }
                throw error
            }
        }

        private static func launch(
            redis: String, database: String, nodeLifetime: String, _ started: (FluxProcess) -> Void
        ) async throws -> Cluster {
            let gatePort = try freeLoopbackPort()
            let statusPort = try freeLoopbackPort()
            let verifyPort = try freeLoopbackPort()
            let common = [
                "FLUX_KV_URL": redis,
                "FLUX_DB_URL": database,
                "FLUX_RPC_HOST": "127.0.0.1",
                "FLUX_RPC_SECRET": clusterSecret,
                "FLUX_STATUS_ADDRESS": "127.0.0.1:\(statusPort)",
                "FLUX_VERIFY_ADDRESS": "127.0.0.1:\(verifyPort)",
            ]
            let front = try FluxProcess.start(["--role", "gate,status,verify"], environment: common.merging([
                "FLUX_GATE_HOST": "127.0.0.1", "FLUX_GATE_PORT": "\(gatePort)",
                "FLUX_STATUS_RPC_PORT": "\(statusPort)", "FLUX_VERIFY_RPC_PORT": "\(verifyPort)",
                "FLUX_STATUS_NODE_TTL": nodeLifetime,
            ]) { _, new in new })
            started(front)
            try await front.waitForLog("gate listening")
            try await front.waitForLog("rpc listening address=127.0.0.1:\(statusPort)")
            try await front.waitForLog("rpc listening address=127.0.0.1:\(verifyPort)")
            var nodes: [String: (FluxProcess, Int)] = [:]
            for name in ["chat-1", "chat-2"] {
                let chatPort = try freeLoopbackPort()
                let node = try FluxProcess.start(["--role", "chat"], environment: common.merging([
                    "FLUX_CHAT_NAME": name, "FLUX_CHAT_HOST": "127.0.0.1", "FLUX_CHAT_PORT": "\(chatPort)",
                    "FLUX_CHAT_RPC_PORT": "0", "FLUX_CHAT_RENEW_INTERVAL": "0.3", "FLUX_CHAT_CAPACITY": "10",
                ]) { _, new in new })
                started(node)
                try await node.waitForLog("chat listening")
                nodes[name] = (node, chatPort)
            }
            try await front.waitForLog("address=127.0.0.1:\(nodes["chat-2"]!.1) node=chat-2")
            try await front.waitForLog("address=127.0.0.1:\(nodes["chat-1"]!.1) node=chat-1")
            return Cluster(
                front: front, nodes: nodes, gate: GateClient(port: gatePort), outbox: Outbox(folder: front.dataDirectory + "/outbox"),
                statusAddress: "127.0.0.1:\(statusPort)")
        }

        var status: StatusRPCClient {
            StatusRPCClient(client: RPCClient(
                host: "127.0.0.1", port: Int(statusAddress.split(separator: ":").last!)!,
                security: RPCSecurity(secret: Array(clusterSecret.utf8)), logger: Logger(label: "t")))
        }

        /// Waits (bounded) until the chat nodes' renewals report `count` sessions in all.
        func waitForReportedSessions(_ count: Int) async throws {
            let status = self.status
            _ = try await eventually(within: .seconds(5), every: .milliseconds(25)) {
                try await status.liveChatNodes().reduce(0, { $0 + $1.sessions }) >= count
            }
        }

        /// Waits (bounded) until status no longer hands out the node listening on `port`.
        func waitUntilNotAssignable(port: Int) async throws {
            let status = self.status
            _ = try await eventually(within: .seconds(10), every: .milliseconds(25)) {
                try await !status.liveChatNodes().contains(where: { $0.port == port && $0.isAssignable })
            }
        }

        func stop() {
            front.kill()
            for node in nodes.values { node.process.kill() }
        }

        func register(_ name: String) async throws -> CrashRecoveryTests.Account {
            try await CrashRecoveryTests.register(gate, outbox, name)
        }

        /// HTTP login, then chat login on the node it names (or on `port`). Returns the client and its port.
        func connect(_ account: CrashRecoveryTests.Account, port forced: Int? = nil) async throws -> (ChatClient, Int) {
            let login = try await gate.post("user_login", ["email": account.email, "passwd": "pw"])
            #expect(login.error == 0, "\(login.text)")
            let token = try #require(login["token"] as? String)
            let portText = try #require(login["port"] as? String)
            let assigned = try #require(Int(portText))
            let port = forced ?? assigned
            let chat = try await ChatClient.connect(host: "127.0.0.1", port: port)
            let reply = try await chat.request(.chatLogin, ChatLoginRequest(uid: account.uid, token: token), as: ErrorReply.self)
            #expect(reply.error == .success)
            return (chat, port)
        }
    }

    /// The database the processes share: one SQLite file, or a new database on the test MariaDB.
    static func sharedDatabase(_ kind: String) async throws -> String {
        if kind == "sqlite" {
            let shared = TestFolder.path("flux-cluster")
            try FileManager.default.createDirectory(atPath: shared, withIntermediateDirectories: true)
            return "sqlite://\(shared)/flux.sqlite"
        }
        guard let base = ProcessInfo.processInfo.environment["FLUX_TEST_MARIADB_URL"], var url = try? MariaDBURL(parsing: base) else {
            throw MissingTestServer("FLUX_TEST_MARIADB_URL is not set: this test needs a real MariaDB server (make test starts one)")
        }
        url.database = "flux_c\(UUID().uuidString.prefix(8).lowercased())"
        try await MariaDBStore.createDatabase(url)
        return "mysql://\(url.user):\(url.password ?? "")@\(url.host):\(url.port)/\(url.database)"
    }

    @Test(arguments: ["sqlite", "mariadb"])
    func usersOnTwoNodesTalkKickAndSurviveANodeCrash(_ store: String) async throws {
        let redis = try await testRedisURL(database: store == "sqlite" ? 2 : 3)
        let cluster = try await Cluster.start(redis: redis, database: try await Self.sharedDatabase(store))
        defer { cluster.stop() }
        let ana = try await cluster.register("cl-ana")
        let bob = try await cluster.register("cl-bob")
        let carl = try await cluster.register("cl-carl")

        let (anaChat, anaPort) = try await cluster.connect(ana)
        _ = try await anaChat.next(.notifyBacklogDone)
        try await cluster.waitForReportedSessions(1)
        let (bobChat, bobPort) = try await cluster.connect(bob)
        _ = try await bobChat.next(.notifyBacklogDone)
        #expect(anaPort != bobPort, "status spreads users over both nodes")

        // Friends across nodes.
        _ = try await anaChat.request(.addFriend, AddFriendRequest(applyname: "ana", bakname: "bob", touid: bob.uid), as: ErrorReply.self)
        let asked = try await bobChat.next(.notifyAddFriend, as: AddFriendNotice.self)
        #expect(asked.applyuid == ana.uid)
        let accepted = try await bobChat.request(.authFriend, AuthFriendRequest(touid: ana.uid, back: "ana"), as: AuthFriendResponse.self)
        #expect(accepted.error == .success)
        _ = try await anaChat.next(.notifyAuthFriend)

        // Both nodes store into the one conversation at once: sequence numbers stay unique and gap-free.
        for index in 0..<20 {
            try anaChat.send(.textChat, TextChatMessage(fromuid: ana.uid, touid: bob.uid, textArray: [TextItem(msgid: "ca-\(index)", content: "a")]))
            try bobChat.send(.textChat, TextChatMessage(fromuid: bob.uid, touid: ana.uid, textArray: [TextItem(msgid: "cb-\(index)", content: "b")]))
        }
        for _ in 0..<20 {
            #expect(try await anaChat.next(.textChatResponse, as: TextChatMessage.self).error == .success)
            #expect(try await bobChat.next(.textChatResponse, as: TextChatMessage.self).error == .success)
        }
        for _ in 0..<20 {
            _ = try await anaChat.next(.notifyTextChat)
            _ = try await bobChat.next(.notifyTextChat)
        }
        let concurrent = try await anaChat.request(.history, HistoryRequest(peer: bob.uid, limit: 200), as: HistoryResponse.self)
        #expect(concurrent.messages.map(\.seq) == Array(1...40))

        // Two simultaneous registrations of one e-mail: one user, one 1005.
        #expect(try await cluster.gate.post("get_varifycode", ["email": "twice@example.com"]).error == 0)
        let code = try await cluster.outbox.code(for: "twice@example.com")
        let outcomes = try await withThrowingTaskGroup(of: Int?.self) { group in
            for index in 0..<2 {
                group.addTask {
                    try await cluster.gate.post("user_register", [
                        "email": "twice@example.com", "user": "twice\(index)", "passwd": "pw", "confirm": "pw", "icon": "", "varifycode": code,
                    ]).error
                }
            }
            return try await group.reduce(into: [Int?]()) { $0.append($1) }
        }
        #expect(outcomes.sorted { ($0 ?? 0) < ($1 ?? 0) } == [0, 1005])

        // Texts both ways across nodes.
        var acknowledged: [String] = []
        for index in 0..<5 {
            let reply = try await anaChat.request(
                .textChat, TextChatMessage(fromuid: ana.uid, touid: bob.uid, textArray: [TextItem(msgid: "x-\(index)", content: "to bob \(index)")]),
                as: TextChatMessage.self)
            #expect(reply.error == .success)
            acknowledged.append("x-\(index)")
        }
        var bobGot: [String] = []
        _ = try await anaChat.drain()
        for _ in 0..<5 { bobGot += try await bobChat.next(.notifyTextChat, as: TextChatMessage.self).textArray.map(\.msgid) }
        #expect(bobGot == acknowledged)
        _ = try await bobChat.request(
            .textChat, TextChatMessage(fromuid: bob.uid, touid: ana.uid, textArray: [TextItem(msgid: "y-0", content: "to ana")]),
            as: TextChatMessage.self)
        let anaGot = try await anaChat.next(.notifyTextChat, as: TextChatMessage.self)
        #expect(anaGot.fromuid == bob.uid && anaGot.textArray.first?.content == "to ana")

        // A second login on the other node kicks the first with 1021.
        let (carlFirst, carlPort) = try await cluster.connect(carl)
        let otherPort = cluster.nodes.values.map(\.port).first { $0 != carlPort }!
        let (carlSecond, _) = try await cluster.connect(carl, port: otherPort)
        let kicked = try await carlFirst.next(.notifyOffline, as: OfflineNotice.self)
        #expect(kicked.uid == carl.uid)
        #expect(await carlFirst.waitForClose())
        #expect(try await carlSecond.request(.heartbeat, HeartbeatRequest(), as: ErrorReply.self).error == .success)

        // SIGKILL bob's node. Ana keeps sending; every acknowledged text reaches bob on the other node.
        let bobNode = cluster.nodes.first { $0.value.port == bobPort }!
        await bobNode.value.process.crash()
        for index in 5..<10 {
            let reply = try await anaChat.request(
                .textChat, TextChatMessage(fromuid: ana.uid, touid: bob.uid, textArray: [TextItem(msgid: "x-\(index)", content: "to bob \(index)")]),
                as: TextChatMessage.self)
            if reply.error == .success { acknowledged.append("x-\(index)") }
        }
        // The dead node is taken out (health probe, then its lifetime) and no longer handed out.
        try await cluster.waitUntilNotAssignable(port: bobPort)
        for _ in 0..<3 {
            let login = try await cluster.gate.post("user_login", ["email": bob.email, "passwd": "pw"])
            #expect(login["port"] as? String == "\(anaPort)", "the dead node is no longer assigned")
        }
        let (bobAgain, _) = try await cluster.connect(bob)
        var backlog: [String] = []
        while true {
            let frame = try await bobAgain.next(nil, timeout: .seconds(10))
            if frame.id == .notifyBacklogDone { break }
            if frame.id == .notifyTextChat { backlog += try frame.decode(TextChatMessage.self).textArray.map(\.msgid) }
        }
        let missing = Set(acknowledged).subtracting(bobGot).subtracting(backlog)
        #expect(missing.isEmpty, "acknowledged but not delivered: \(missing.sorted())")
        #expect(acknowledged.count == 10)
        await anaChat.close()
        await bobAgain.close()
        await carlSecond.close()
    }
}
