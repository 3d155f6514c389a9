import FluxTestSupport
import FluxClient
import FluxKV
import FluxProtocol
import Foundation
import Testing

/// A split cluster whose processes a test can kill and restart: any number of front processes
/// (gate+status+verify, each with its own ports) and chat nodes that know every front's status address.
final class FaultCluster: @unchecked Sendable {
    // @unchecked: `fronts` and `nodes` are replaced only by the one test task that owns the cluster,
    // between its other calls.

    struct Front {
        var process: FluxProcess
        let gatePort: Int
        let statusPort: Int
        let verifyPort: Int
        var gate: GateClient { GateClient(port: gatePort) }
        var outbox: Outbox { Outbox(folder: process.dataDirectory + "/outbox") }
        var statusAddress: String { "127.0.0.1:\(statusPort)" }
    }

    struct Node {
        var process: FluxProcess
        let name: String
        let chatPort: Int
    }

    let common: [String: String]
    let nodeTTL: String
    private(set) var fronts: [Front] = []
    private(set) var nodes: [Node] = []

    private init(common: [String: String], nodeTTL: String) {
        self.common = common
        self.nodeTTL = nodeTTL
    }

    /// Starts `frontCount` fronts and `nodeCount` chat nodes on Redis `redis` and store `database`;
    /// `extra` is added to every process's environment.
    static func start(
        fronts frontCount: Int, nodes nodeCount: Int, redis: String, database: String, nodeTTL: String = "2.5",
        extra: [String: String] = [:]
    ) async throws -> FaultCluster {
        var attempt = 1
        while true {
            let cluster = FaultCluster(common: [
                "FLUX_KV_URL": redis, "FLUX_DB_URL": database, "FLUX_RPC_HOST": "127.0.0.1", "FLUX_RPC_SECRET": clusterSecret,
                "FLUX_STATUS_NODE_TTL": nodeTTL, "FLUX_STATUS_PROBE_INTERVAL": "0.3", "FLUX_CHAT_RESYNC_INTERVAL": "0.3",
            ].merging(extra) { _, new in new }, nodeTTL: nodeTTL)
            do {
                try await cluster.launch(frontCount, nodeCount)
                return cluster
            } catch let error as FluxProcessError where attempt < 3 {
                // A port picked as free was taken meanwhile by another test: try again with new ones.
                cluster.stop()
                attempt += 1
                _ = error
            }
        }
    }

    private func launch(_ frontCount: Int, _ nodeCount: Int) async throws {
        var planned: [(Int, Int, Int)] = []
        for _ in 0..<frontCount { planned.append((try freeLoopbackPort(), try freeLoopbackPort(), try freeLoopbackPort())) }
        let statusList = planned.map { "127.0.0.1:\($0.1)" }.joined(separator: ",")
        for (gatePort, statusPort, verifyPort) in planned {
            let process = try FluxProcess.start(["--role", "gate,status,verify"], environment: frontEnvironment(gatePort, statusPort, verifyPort))
            fronts.append(Front(process: process, gatePort: gatePort, statusPort: statusPort, verifyPort: verifyPort))
            try await process.waitForLog("gate listening")
            try await process.waitForLog("rpc listening address=127.0.0.1:\(statusPort)")
        }
        for index in 1...nodeCount {
            let name = "chat-\(index)"
            let chatPort = try freeLoopbackPort()
            let process = try FluxProcess.start(["--role", "chat"], environment: common.merging([
                "FLUX_CHAT_NAME": name, "FLUX_CHAT_HOST": "127.0.0.1", "FLUX_CHAT_PORT": "\(chatPort)", "FLUX_CHAT_RPC_PORT": "0",
                "FLUX_CHAT_RENEW_INTERVAL": "0.3", "FLUX_STATUS_ADDRESS": statusList,
            ]) { _, new in new })
            nodes.append(Node(process: process, name: name, chatPort: chatPort))
            try await process.waitForLog("chat listening")
        }
        for node in nodes { try await fronts[0].process.waitForLog("node=\(node.name)") }
    }

    private func frontEnvironment(_ gatePort: Int, _ statusPort: Int, _ verifyPort: Int) -> [String: String] {
        common.merging([
            "FLUX_GATE_HOST": "127.0.0.1", "FLUX_GATE_PORT": "\(gatePort)", "FLUX_STATUS_RPC_PORT": "\(statusPort)",
            "FLUX_VERIFY_RPC_PORT": "\(verifyPort)", "FLUX_STATUS_ADDRESS": "127.0.0.1:\(statusPort)",
            "FLUX_VERIFY_ADDRESS": "127.0.0.1:\(verifyPort)",
        ]) { _, new in new }
    }

    /// Starts front `index` again on its ports and data folder (after a crash).
    func restartFront(_ index: Int) async throws {
        let front = fronts[index]
        let process = try FluxProcess.start(
            ["--role", "gate,status,verify"], environment: frontEnvironment(front.gatePort, front.statusPort, front.verifyPort),
            dataDirectory: front.process.dataDirectory)
        fronts[index].process = process
        try await process.waitForLog("gate listening")
    }

    func node(_ name: String) -> Node { nodes.first { $0.name == name }! }

    /// Each chat node's registration as the status roles keep it in the cluster's Redis: when it was last
    /// renewed and until when it is live, in wall-clock milliseconds (nodes without one are absent).
    func registrations() async throws -> [String: (renewedAt: Int64, expiresAt: Int64)] {
        let store = RedisKeyValueStore(url: try RedisURL(parsing: common["FLUX_KV_URL"] ?? ""), connections: 1)
        var found: [String: (renewedAt: Int64, expiresAt: Int64)] = [:]
        do {
            for node in nodes {
                // Where `NodeRegistry` keeps it: field `node:<name>` of the hash `nodes`.
                guard let text = try await store.hashGet("nodes", field: "node:\(node.name)"),
                    let record = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any],
                    let renewedAt = (record["renewedAt"] as? NSNumber)?.int64Value,
                    let expiresAt = (record["expiresAt"] as? NSNumber)?.int64Value
                else { continue }
                found[node.name] = (renewedAt, expiresAt)
            }
        } catch {
            await store.close()
            throw error
        }
        await store.close()
        return found
    }

    /// The wall clock in milliseconds, as the status roles stamp registrations.
    static func wallMilliseconds() -> Int64 { Int64(Date().timeIntervalSince1970 * 1000) }

    func stop() {
        for front in fronts { front.process.kill() }
        for node in nodes { node.process.kill() }
    }

    /// Registers `name` (password "pw") through front `front`.
    func register(_ name: String, front: Int = 0) async throws -> CrashRecoveryTests.Account {
        try await CrashRecoveryTests.register(fronts[front].gate, fronts[front].outbox, name)
    }

    /// HTTP login through front `front`, then chat login on node `node` (or where the gate says).
    func logIn(_ account: CrashRecoveryTests.Account, on node: String? = nil, front: Int = 0) async throws -> (ChatClient, assigned: Int) {
        let login = try await fronts[front].gate.post("user_login", ["email": account.email, "passwd": "pw"])
        guard login.error == 0, let token = login["token"] as? String, let assigned = (login["port"] as? String).flatMap(Int.init) else {
            throw FluxProcessError("HTTP login of \(account.email) failed: \(login.text)")
        }
        let port = node.map { self.node($0).chatPort } ?? assigned
        let chat = try await ChatClient.connect(host: "127.0.0.1", port: port)
        let reply = try await chat.request(.chatLogin, ChatLoginRequest(uid: account.uid, token: token), as: ErrorReply.self, timeout: .seconds(10))
        guard reply.error == .success else {
            await chat.close()
            throw FluxProcessError("chat login of \(account.email) on port \(port) failed: \(reply.error)")
        }
        _ = try await chat.next(.notifyBacklogDone, timeout: .seconds(10))
        return (chat, assigned)
    }
}

/// Every 1019 one client receives, with when it arrived; also 1021s.
actor TextCollector {
    private(set) var arrivals: [String: ContinuousClock.Instant] = [:]
    private(set) var kicked = false
    private var task: Task<Void, Never>?

    /// Starts reading `client`'s frames (nothing else may read them meanwhile).
    static func start(_ client: ChatClient) async -> TextCollector {
        let collector = TextCollector()
        await collector.run(client)
        return collector
    }

    private func run(_ client: ChatClient) {
        task = Task {
            // Only its own ids: the test may still send requests on the client and read their answers.
            while !Task.isCancelled {
                if let frame = try? await client.next(.notifyTextChat, timeout: .milliseconds(100)),
                    let text = try? frame.decode(TextChatMessage.self)
                {
                    await self.record(text.textArray.map(\.msgid))
                }
                if (try? await client.next(.notifyOffline, timeout: .milliseconds(1))) != nil { await self.markKicked() }
            }
        }
    }

    private func record(_ ids: [String]) {
        let now = ContinuousClock.now
        for id in ids where arrivals[id] == nil { arrivals[id] = now }
    }

    private func markKicked() { kicked = true }

    /// Waits until every id in `ids` arrived (or the deadline); returns the ones still missing.
    func waitFor(_ ids: Set<String>, until deadline: ContinuousClock.Instant) async -> Set<String> {
        _ = await eventually(within: ContinuousClock.now.duration(to: deadline)) { ids.isSubset(of: arrivals.keys) }
        return ids.subtracting(arrivals.keys)
    }

    /// Waits until a 1021 arrived or the deadline; returns whether it did.
    func waitForKick(until deadline: ContinuousClock.Instant) async -> Bool {
        await eventually(within: ContinuousClock.now.duration(to: deadline)) { kicked }
    }

    func stop() { task?.cancel() }
}

/// Sends texts from `sender` to `to` and keeps the ids the server acknowledged (1018 with error 0).
actor TextSender {
    private(set) var acknowledged: [String] = []
    private(set) var sentAt: [String: ContinuousClock.Instant] = [:]
    private let client: ChatClient
    private let from: Int64
    private let to: Int64

    init(_ client: ChatClient, from: Int64, to: Int64) {
        self.client = client
        self.from = from
        self.to = to
    }

    /// Sends one text; returns whether it was acknowledged.
    @discardableResult
    func send(_ msgid: String) async -> Bool {
        let started = ContinuousClock.now
        do {
            try client.send(.textChat, TextChatMessage(fromuid: from, touid: to, textArray: [TextItem(msgid: msgid, content: "text \(msgid)")]))
            let frame = try await client.next(.textChatResponse, timeout: .seconds(10))
            guard try frame.decode(ErrorReply.self).error == .success else { return false }
        } catch {
            return false
        }
        acknowledged.append(msgid)
        sentAt[msgid] = started
        return true
    }
}
