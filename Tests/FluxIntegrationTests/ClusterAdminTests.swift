import FluxTestSupport
import FluxClient
import FluxProtocol
import Foundation
import Testing

/// `flux admin nodes`, `sessions`, `kick` and `nodes drain` against the three-process cluster.
@Suite struct ClusterAdminTests {
    @Test func drainMovesClientsToTheOtherNodeAndKickReachesAnyNode() async throws {
        let redis = try await testRedisURL(database: 4)
        let cluster = try await ClusterTests.Cluster.start(redis: redis, database: try await ClusterTests.sharedDatabase("sqlite"))
        defer { cluster.stop() }
        func admin(_ arguments: String...) async throws -> (status: Int32, output: String, errors: String) {
            try await FluxProcess.runToEnd(["admin"] + arguments + ["--status", cluster.statusAddress], environment: ["FLUX_RPC_SECRET": clusterSecret])
        }
        func json(_ text: String) throws -> Any { try JSONSerialization.jsonObject(with: Data(text.utf8)) }

        let ana = try await cluster.register("ad-ana")
        let bob = try await cluster.register("ad-bob")
        let (anaChat, anaPort) = try await cluster.connect(ana)
        _ = try await anaChat.next(.notifyBacklogDone)
        let anaNode = try #require(cluster.nodes.first { $0.value.port == anaPort }?.key)
        let otherNode = try #require(cluster.nodes.keys.first { $0 != anaNode })

        let listed = try await admin("nodes", "--json")
        #expect(listed.status == 0, "\(listed.errors)")
        let nodes = try #require(try json(listed.output) as? [[String: Any]])
        #expect(Set(nodes.compactMap { $0["name"] as? String }) == ["chat-1", "chat-2"])
        #expect(nodes.allSatisfy { ($0["renewedSecondsAgo"] as? Double ?? 99) < 2.5 && $0["capacity"] as? Int == 10 })

        let sessions = try #require(try json(try await admin("sessions", "--json").output) as? [[String: Any]])
        #expect(sessions.contains { $0["uid"] as? Int == Int(ana.uid) && $0["node"] as? String == anaNode })

        // Drain ana's node: she is told where to go, moves there with the token she was given, and the old
        // session is closed by that login.
        let drained = try await admin("nodes", "drain", anaNode, "--grace", "5")
        #expect(drained.status == 0 && drained.output.contains("1 clients told"), "\(drained)")
        let move = try await anaChat.next(.notifyReconnect, as: ReconnectNotice.self, timeout: .seconds(10))
        #expect(move.error == .success && move.node == otherNode && move.uid == ana.uid)
        // She moves as a browser would: over the WebSocket the notice names (the other node's).
        let ws = try #require(move.ws, "1119 names the next node's WebSocket")
        #expect(ws.hasPrefix("ws://127.0.0.1:") && ws.hasSuffix("/ws"))
        let moved = try await ChatClient.connect(webSocket: ws)
        let relogin = try await moved.request(.chatLogin, ChatLoginRequest(uid: ana.uid, token: try #require(move.token)), as: ErrorReply.self)
        #expect(relogin.error == .success)
        #expect(await anaChat.waitForClose(timeout: .seconds(10)))

        let states = try #require(try json(try await admin("nodes", "--json").output) as? [[String: Any]])
        #expect(states.first { $0["name"] as? String == anaNode }?["draining"] as? Bool == true)
        for _ in 0..<3 {
            let login = try await cluster.gate.post("user_login", ["email": bob.email, "passwd": "pw"])
            #expect(login["port"] as? String == "\(cluster.nodes[otherNode]!.port)", "a draining node is never assigned")
        }
        #expect(try await admin("nodes", "drain", "no-such-node").status == 1)

        // kick reaches a user on whichever node holds the session.
        let (bobChat, _) = try await cluster.connect(bob)
        _ = try await bobChat.next(.notifyBacklogDone)
        let kicked = try await admin("kick", "\(bob.uid)", "--json")
        #expect(kicked.status == 0, "\(kicked.errors)")
        #expect(try await bobChat.next(.notifyOffline, as: OfflineNotice.self).uid == bob.uid)
        #expect(await bobChat.waitForClose())
        #expect(try await admin("kick", "\(bob.uid)").status == 1)

        // Undrain: assignable again.
        #expect(try await admin("nodes", "undrain", anaNode).status == 0)
        // A renewal already on its way may still say draining once.
        let undrained = try await eventually(every: .milliseconds(200)) {
            let after = try json(try await admin("nodes", "--json").output) as? [[String: Any]]
            return after?.first { $0["name"] as? String == anaNode }?["draining"] as? Bool == false
        }
        #expect(undrained)
        await moved.close()
    }
}
