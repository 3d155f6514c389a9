import FluxClient
import FluxKV
import FluxProtocol
import FluxTestSupport
import Foundation
import Testing

/// `etc/cluster/run-local.sh`, as an operator trying the cluster would run it: a front and two chat nodes
/// sharing a generated cluster secret; both nodes register, `flux admin` reaches them with the secret
/// file, and two users chat. Its ports are moved by `PORT_OFFSET`; it uses the test Redis (database 12).
@Suite struct RunLocalScriptTests {
    /// The script's ports before the offset.
    static let basePorts = [8070, 8071, 8080, 8089, 8090, 8091, 8092, 8093, 8094, 9464, 9465, 9466]

    @Test func runLocalStartsAClusterWhereUsersChat() async throws {
        let redis = try RedisURL(parsing: try await testRedisURL(database: 12))
        // Ports below 10,000 (1,070–9,966): other tests pick theirs from 10,000–32,767 (freeLoopbackPort),
        // so none can take one of these between this check and the script's bind.
        let offset = try #require((0..<200).lazy.map { _ in Int.random(in: -7_000..<500) }
            .first { offset in Self.basePorts.allSatisfy { loopbackPortIsFree($0 + offset) } }, "no free set of ports")
        let data = TestFolder.path("flux-run-local")
        defer { try? FileManager.default.removeItem(atPath: data) }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
        // Job control puts the script in a process group of its own: its `trap 'kill 0' EXIT` and our
        // stop reach it and its children, never the test runner.
        let script = ChildProcess()
        script.executableURL = URL(fileURLWithPath: "/bin/bash")
        // `cd` in the shell, not `currentDirectoryURL`: Foundation changes the whole test process's
        // directory around that spawn, and a `Process.run` on another thread then crashed (seen twice).
        script.arguments = ["-c", "cd \"$ROOT\" && set -m && { bash etc/cluster/run-local.sh > \"$DATA/script.log\" 2>&1 & echo $! > \"$DATA/script.pid\"; wait; }"]
        var environment = ProcessInfo.processInfo.environment
        environment.merge([
            "FLUX": FluxProcess.binary, "DATA": data, "ROOT": root, "PORT_OFFSET": "\(offset)", "REDIS_PORT": "\(redis.port)", "REDIS_DB": "12",
            "FLUX_SECURITY_SCRYPT_LOG_N": "10",
        ]) { $1 }
        script.environment = environment
        try FileManager.default.createDirectory(atPath: data, withIntermediateDirectories: true)
        try script.run()
        defer {
            if let pid = try? String(contentsOfFile: data + "/script.pid", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines),
                let group = Int32(pid)
            {
                kill(-group, SIGTERM)
            }
            script.waitUntilExit()
        }
        let log = { (try? String(contentsOfFile: data + "/script.log", encoding: .utf8)) ?? "" }

        // Both chat nodes registered with status, seen through `flux admin` with the generated secret file.
        let status = "127.0.0.1:\(8070 + offset)"
        let listed = await eventually(within: .seconds(60), every: .seconds(1)) {
            let nodes = try? await FluxProcess.runToEnd(
                ["admin", "nodes", "--json", "--status", status], environment: ["FLUX_RPC_SECRET_FILE": data + "/rpc.secret"])
            return nodes.map { $0.status == 0 && $0.output.contains("chat-1") && $0.output.contains("chat-2") } ?? false
        }
        try #require(listed, "both chat nodes listed by flux admin nodes; script log:\n\(log())")
        let secret = try String(contentsOfFile: data + "/rpc.secret", encoding: .utf8)
        #expect(secret.utf8.count >= 32, "the generated cluster secret is at least 32 bytes")
        let refused = try await FluxProcess.runToEnd(["admin", "nodes", "--status", status])
        #expect(refused.status != 0, "flux admin without the secret is refused")

        // Two users register through the front and chat.
        let gate = GateClient(port: 8080 + offset)
        let outbox = Outbox(folder: data + "/outbox")
        let ada = try await CrashRecoveryTests.register(gate, outbox, "runlocal-ada")
        let bo = try await CrashRecoveryTests.register(gate, outbox, "runlocal-bo")
        let adaChat = try await Self.logIn(gate, ada)
        let boChat = try await Self.logIn(gate, bo)
        _ = try await adaChat.request(.addFriend, AddFriendRequest(applyname: "ada", bakname: "bo", touid: bo.uid), as: ErrorReply.self)
        _ = try await boChat.next(.notifyAddFriend)
        #expect(try await boChat.request(.authFriend, AuthFriendRequest(touid: ada.uid, back: "ada"), as: AuthFriendResponse.self).error == .success)
        _ = try await adaChat.next(.notifyAuthFriend)
        let text = TextChatMessage(fromuid: ada.uid, touid: bo.uid, textArray: [TextItem(msgid: "run-local-1", content: "hello from run-local")])
        #expect(try await adaChat.request(.textChat, text, as: ErrorReply.self).error == .success)
        let notice = try await boChat.next(.notifyTextChat).decode(TextChatMessage.self)
        #expect(notice.textArray.map(\.content) == ["hello from run-local"])
        await adaChat.close()
        await boChat.close()
    }

    /// HTTP login, then chat login on the node the gate assigned.
    static func logIn(_ gate: GateClient, _ account: CrashRecoveryTests.Account) async throws -> ChatClient {
        let login = try await gate.post("user_login", ["email": account.email, "passwd": "pw"])
        let token = try #require(login["token"] as? String, "\(login.text)")
        let port = try #require((login["port"] as? String).flatMap(Int.init), "\(login.text)")
        let chat = try await ChatClient.connect(host: "127.0.0.1", port: port)
        #expect(try await chat.request(.chatLogin, ChatLoginRequest(uid: account.uid, token: token), as: ErrorReply.self).error == .success)
        _ = try await chat.next(.notifyBacklogDone)
        return chat
    }
}
