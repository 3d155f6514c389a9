import FluxClient
import FluxContracts
import FluxKV
import FluxProtocol
import FluxRPC
import FluxTestSupport
import Foundation
import Logging
import Testing

/// Issue 12's faults, each on a real split cluster (separate `flux` processes, a real Redis, SQLite or
/// MariaDB): one process or server dies or restarts, and the test measures what clients see. Serialized:
/// the time bounds are the point, so these clusters do not compete with each other for the two cores.
@Suite(.serialized) struct ClusterFaultTests {
    /// Two friends, one on each chat node, sender → receiver.
    struct Pair {
        let sender: ChatClient
        let receiver: ChatClient
        let senderAccount: CrashRecoveryTests.Account
        let receiverAccount: CrashRecoveryTests.Account
        let texts: TextSender
        let inbox: TextCollector
    }

    static func pair(_ cluster: FaultCluster, _ prefix: String, senderNode: String = "chat-1", receiverNode: String = "chat-2") async throws -> Pair {
        let a = try await cluster.register("\(prefix)-a")
        let b = try await cluster.register("\(prefix)-b")
        let (sender, _) = try await cluster.logIn(a, on: senderNode)
        let (receiver, _) = try await cluster.logIn(b, on: receiverNode)
        _ = try await sender.request(.addFriend, AddFriendRequest(applyname: "a", bakname: "b", touid: b.uid), as: ErrorReply.self)
        _ = try await receiver.next(.notifyAddFriend)
        #expect(try await receiver.request(.authFriend, AuthFriendRequest(touid: a.uid, back: "a"), as: AuthFriendResponse.self).error == .success)
        _ = try await sender.next(.notifyAuthFriend)
        return Pair(
            sender: sender, receiver: receiver, senderAccount: a, receiverAccount: b, texts: TextSender(sender, from: a.uid, to: b.uid),
            inbox: await TextCollector.start(receiver))
    }

    // MARK: (a) unauthenticated peers

    @Test func rpcPortsRefuseEveryoneWithoutTheSecret() async throws {
        let redis = try await testRedisURL(database: 6)
        let cluster = try await FaultCluster.start(fronts: 1, nodes: 2, redis: redis, database: try await ClusterTests.sharedDatabase("sqlite"))
        defer { cluster.stop() }
        let pair = try await Self.pair(cluster, "auth")
        let victim = pair.receiverAccount
        let kv = RedisKeyValueStore(url: try RedisURL(parsing: redis), connections: 1)
        defer { Task { await kv.close() } }
        _ = try await kv.delete("utoken_\(victim.uid)")

        let front = cluster.fronts[0]
        var ports = [("status", front.statusPort), ("verify", front.verifyPort)]
        for node in cluster.nodes {
            let rpc = try #require(node.process.logText.firstMatch(of: /rpc listening address=127\.0\.0\.1:(\d+)/).map { Int($0.1)! })
            ports.append((node.name, rpc))
        }
        let session = try #require(try await kv.get("uip_\(victim.uid)")?.split(separator: "#").last.map(String.init),
                                   "the victim's presence entry names its session")
        let forged = TextChatMessage(fromuid: 999, touid: victim.uid, textArray: [TextItem(msgid: "forged", content: "from nobody")])
        let forgedBody = String(decoding: try JSONEncoder().encode(forged), as: UTF8.self)
        for (role, port) in ports {
            // 1. The old unauthenticated framing, as an attacker would try first.
            for call in [
                #"{"id":1,"method":"status.assign","params":{"uid":\#(victim.uid)}}"#,
                #"{"id":2,"method":"admin.kick","params":{"uid":\#(victim.uid)}}"#,
            ] {
                var bytes: [UInt8] = withUnsafeBytes(of: UInt32(call.utf8.count).bigEndian, Array.init)
                bytes += Array(call.utf8)
                #expect(try await RawTCP.sendAndWaitForClose(port: port, bytes: bytes), "\(role) closes an unauthenticated peer")
            }
            // 2. A well-formed hello, a made-up proof and, in the same write, calls for every kind of harm,
            //    hoping the frames behind the failing one are still read.
            #expect(try await RawTCP.sendAndWaitForClose(port: port, bytes: Self.pipelinedAttack(victim: victim.uid, session: session, forged: forgedBody)),
                    "\(role) closes a peer whose proof is wrong")
            // 3. The real client with a wrong secret.
            let stranger = RPCClient(
                host: "127.0.0.1", port: port, security: RPCSecurity(secret: Array("a-wrong-secret-that-is-long-enough!!".utf8)),
                logger: Logger(label: "attacker"))
            let assign = await #expect(throws: FluxError.self) { _ = try await StatusRPCClient(client: stranger).assignChatNode(uid: victim.uid) }
            #expect(assign?.code == .rpcFailed)
            await #expect(throws: FluxError.self) {
                try await ChatNodeRPCClient(client: stranger).deliver([NodeDelivery(uid: victim.uid, frameID: 1019, body: forgedBody)])
            }
            await #expect(throws: FluxError.self) { _ = try await AdminRPCClient(client: stranger).kick(uid: victim.uid) }
            await stranger.close()
        }
        // `flux admin` with a wrong secret, or none, kicks nobody.
        let wrong = try await FluxProcess.runToEnd(
            ["admin", "kick", "\(victim.uid)", "--status", front.statusAddress], environment: ["FLUX_RPC_SECRET": "a-wrong-secret-that-is-long-enough!!"])
        #expect(wrong.status != 0)
        let none = try await FluxProcess.runToEnd(["admin", "kick", "\(victim.uid)", "--status", front.statusAddress])
        #expect(none.status != 0 && none.errors.contains("secret"), "\(none.errors)")

        // Nothing ran: no token minted, no forged frame, nobody kicked; each refusal was logged.
        #expect(try await kv.get("utoken_\(victim.uid)") == nil, "no token was minted")
        #expect(try await pair.receiver.request(.heartbeat, HeartbeatRequest(), as: ErrorReply.self).error == .success)
        #expect(try front.outbox.count(for: Self.attackerMail) == 0, "no code was mailed for the attacker")
        let forgedArrived = await pair.inbox.arrivals["forged"] != nil
        let kicked = await pair.inbox.kicked
        #expect(!forgedArrived && !kicked)
        for process in [front.process] + cluster.nodes.map(\.process) {
            #expect(process.logText.contains("rpc handshake failed"), "every RPC port logs why it closed a connection")
        }
        #expect(front.process.logText.components(separatedBy: "rpc handshake failed").count - 1 >= 6)
        // The right secret still works.
        let member = try await FluxProcess.runToEnd(
            ["admin", "sessions", "--json", "--status", front.statusAddress], environment: ["FLUX_RPC_SECRET": clusterSecret])
        #expect(member.status == 0 && member.output.contains("\(victim.uid)"), "\(member.errors)")
        let nodes = try await FluxProcess.runToEnd(
            ["admin", "nodes", "--json", "--status", front.statusAddress], environment: ["FLUX_RPC_SECRET": clusterSecret])
        #expect(nodes.status == 0 && !nodes.output.replacingOccurrences(of: " ", with: "").contains(#""draining":true"#),
                "no node was drained: \(nodes.output)")
        await pair.inbox.stop()
    }

    static let attackerMail = "attacker@example.com"

    /// One write: a hello, a wrong proof, then binary call envelopes (`0x01 id method-length method
    /// params`) for every method that mints, delivers, kicks, drains or mails, each length-prefixed.
    static func pipelinedAttack(victim uid: Int64, session: String, forged body: String) throws -> [UInt8] {
        let delivery = String(decoding: try JSONEncoder().encode([NodeDelivery(uid: uid, frameID: 1019, body: body)]), as: UTF8.self)
        let calls: [(String, String)] = [
            ("status.assign", #"{"uid":\#(uid)}"#),
            ("status.drain", #"{"name":"chat-1","draining":true}"#),
            ("chat.deliver", delivery),
            ("chat.kick", #"{"uid":\#(uid),"session":"\#(session)"}"#),
            ("chat.drain", #"{"draining":true,"graceSeconds":0}"#),
            ("admin.kick", #"{"uid":\#(uid)}"#),
            ("verify.send", #"{"email":"\#(attackerMail)"}"#),
        ]
        var messages: [[UInt8]] = [Array("FLUXRPC1".utf8) + (0..<32).map { _ in UInt8.random(in: 0...255) }, [UInt8](repeating: 0x5a, count: 32)]
        for (index, (method, params)) in calls.enumerated() {
            messages.append([1] + withUnsafeBytes(of: UInt64(index + 1).bigEndian, Array.init) + [UInt8(method.utf8.count)]
                + Array(method.utf8) + Array(params.utf8))
        }
        return messages.flatMap { withUnsafeBytes(of: UInt32($0.count).bigEndian, Array.init) + $0 }
    }

    // MARK: (c) a front dies

    @Test func killingOneOfTwoFrontsKeepsLoginsAndTexts() async throws {
        let redis = try await testRedisURL(database: 7)
        let cluster = try await FaultCluster.start(fronts: 2, nodes: 2, redis: redis, database: try await ClusterTests.sharedDatabase("mariadb"))
        defer { cluster.stop() }
        let pair = try await Self.pair(cluster, "front")
        let late = try await cluster.register("front-late", front: 1)
        for index in 0..<5 { await pair.texts.send("before-\(index)") }

        await cluster.fronts[0].process.crash()
        let killed = ContinuousClock.now
        var firstLogin: Duration?
        _ = await eventually(within: .seconds(10), every: .milliseconds(100)) {
            guard let (chat, _) = try? await cluster.logIn(late, front: 1) else { return false }
            firstLogin = killed.duration(to: .now)
            await chat.close()
            return true
        }
        let recovery = try #require(firstLogin, "no login through the other gate within 10 s")
        #expect(recovery < .seconds(3), "logins through the other gate work within 3 s (took \(recovery))")
        print("recovery: front killed → login through the other gate after \(recovery)")
        for index in 0..<10 { await pair.texts.send("after-\(index)") }
        // Past the node lifetime: the chat nodes renew through the other status, so logins still work.
        // Texts go on until every node's registration was renewed later than one made before the kill
        // could have lived.
        let lifetime = Int64((Double(cluster.nodeTTL) ?? 0) * 1000)
        let outlived = FaultCluster.wallMilliseconds() + lifetime
        var index = 0
        let renewed = await eventually(within: .seconds(15), every: .milliseconds(50)) {
            await pair.texts.send("during-\(index)")
            index += 1
            guard let records = try? await cluster.registrations() else { return false }
            return cluster.nodes.allSatisfy { (records[$0.name]?.renewedAt ?? 0) > outlived }
        }
        #expect(renewed, "every chat node renewed its registration through the other status past its lifetime")
        let (again, assigned) = try await cluster.logIn(late, front: 1)
        #expect(cluster.nodes.map(\.chatPort).contains(assigned))
        await again.close()

        let acknowledged = Set(await pair.texts.acknowledged)
        #expect(acknowledged.count >= 15)
        let missing = await pair.inbox.waitFor(acknowledged, until: .now.advanced(by: .seconds(5)))
        #expect(missing.isEmpty, "acknowledged but not delivered: \(missing.sorted())")
        await pair.inbox.stop()
    }

    // MARK: (d) Redis restarts empty

    @Test func redisRestartedEmptyWhileUsersAreConnected() async throws {
        let redis = try TestRedisServer.start()
        defer { redis.stop() }
        try await redis.waitUntilReady()
        let cluster = try await FaultCluster.start(fronts: 1, nodes: 2, redis: redis.url, database: try await ClusterTests.sharedDatabase("sqlite"))
        defer { cluster.stop() }
        let pair = try await Self.pair(cluster, "redis")
        let third = try await cluster.register("redis-c")
        let (thirdChat, _) = try await cluster.logIn(third, on: "chat-1")
        #expect(await pair.texts.send("before"))

        try redis.restart()
        try await redis.waitUntilReady()
        let back = ContinuousClock.now
        // Texts are live again within 3 s: one sent then arrives at once.
        var live: Duration?
        var index = 0
        _ = await eventually(within: .seconds(8), every: .milliseconds(100)) {
            let id = "after-\(index)"
            index += 1
            let sent = ContinuousClock.now
            guard await pair.texts.send(id), await pair.inbox.waitFor([id], until: sent.advanced(by: .milliseconds(300))).isEmpty else {
                return false
            }
            live = back.duration(to: sent)
            return true
        }
        let liveAfter = try #require(live, "texts never became live again")
        #expect(liveAfter < .seconds(3), "texts live again \(liveAfter) after Redis came back")
        print("recovery: Redis restarted empty → texts live again after \(liveAfter)")
        // Every acknowledged text arrives, including those sent while presence was being restored.
        let acknowledged = Set(await pair.texts.acknowledged)
        let missing = await pair.inbox.waitFor(acknowledged, until: .now.advanced(by: .seconds(3)))
        #expect(missing.isEmpty, "acknowledged but not delivered: \(missing.sorted())")

        // kick and sessions agree.
        let admin = { (arguments: [String]) in
            try await FluxProcess.runToEnd(["admin"] + arguments + ["--status", cluster.fronts[0].statusAddress],
                environment: ["FLUX_RPC_SECRET": clusterSecret])
        }
        // Each node is listed once it has registered again with the emptied Redis (its next renewal; later
        // on a loaded machine than the texts, which need only presence).
        let everyone = Set([pair.senderAccount.uid, pair.receiverAccount.uid, third.uid].map(Int.init))
        var sessions = try await admin(["sessions", "--json"])
        func listed() -> Set<Int> {
            Set(((try? JSONSerialization.jsonObject(with: Data(sessions.output.utf8))) as? [[String: Any]] ?? []).compactMap { $0["uid"] as? Int })
        }
        _ = await eventually(within: .seconds(20), every: .milliseconds(200)) {
            if listed() == everyone { return true }
            sessions = (try? await admin(["sessions", "--json"])) ?? sessions
            return listed() == everyone
        }
        #expect(listed() == everyone, "\(sessions.output)")
        let kick = try await admin(["kick", "\(third.uid)"])
        #expect(kick.status == 0, "kick finds the user sessions lists: \(kick.output) \(kick.errors)")
        _ = try await thirdChat.next(.notifyOffline, timeout: .seconds(5))

        // No user holds two sessions: a new login on the other node closes the old one with 1021.
        let (second, _) = try await cluster.logIn(pair.receiverAccount, on: "chat-1")
        #expect(await pair.inbox.waitForKick(until: .now.advanced(by: .seconds(3))), "the older session got 1021")
        #expect(await pair.receiver.waitForClose(timeout: .seconds(5)))
        #expect(try await second.request(.heartbeat, HeartbeatRequest(), as: ErrorReply.self).error == .success)
        await pair.inbox.stop()
    }

    // MARK: (e) the front restarts

    @Test func textsDuringAndAfterAFrontRestartReachOpenSessions() async throws {
        let redis = try await testRedisURL(database: 8)
        let pki = try TestPKI.make()
        // This cluster also runs its RPC over mutual TLS with certificates made now.
        let cluster = try await FaultCluster.start(
            fronts: 1, nodes: 2, redis: redis, database: try await ClusterTests.sharedDatabase("sqlite"),
            extra: ["FLUX_RPC_TLS_CERT": pki.cert, "FLUX_RPC_TLS_KEY": pki.key, "FLUX_RPC_TLS_CA": pki.ca])
        defer { cluster.stop() }
        #expect(cluster.fronts[0].process.logText.contains("tls=true"))
        let pair = try await Self.pair(cluster, "restart")
        #expect(await pair.texts.send("before"))
        // A peer with the secret but a certificate from another CA gets nowhere.
        let stranger = RPCClient(
            host: "127.0.0.1", port: cluster.fronts[0].statusPort,
            security: RPCSecurity(
                secret: Array(clusterSecret.utf8), tls: try RPCTLS(certificatePath: pki.strangerCert, keyPath: pki.strangerKey, caPath: pki.ca)),
            logger: Logger(label: "stranger"))
        await #expect(throws: FluxError.self) { _ = try await StatusRPCClient(client: stranger).assignChatNode(uid: pair.receiverAccount.uid) }
        try await cluster.fronts[0].process.waitForLog("rpc handshake failed")

        await cluster.fronts[0].process.crash()
        // Down until the nodes' registrations have lapsed (nothing renews them now); texts go on meanwhile.
        var during: [String] = []
        var index = 0
        let lapsed = await eventually(within: .seconds(15), every: .milliseconds(150)) {
            let id = "during-\(index)"
            index += 1
            if await pair.texts.send(id) { during.append(id) }
            guard let records = try? await cluster.registrations() else { return false }
            let now = FaultCluster.wallMilliseconds()
            return cluster.nodes.allSatisfy { (records[$0.name]?.expiresAt ?? 0) < now }
        }
        #expect(lapsed, "the nodes' registrations lapsed while the only status was down")
        try await cluster.restartFront(0)
        let back = ContinuousClock.now
        #expect(!during.isEmpty)
        let missingDuring = await pair.inbox.waitFor(Set(during), until: back.advanced(by: .seconds(2)))
        #expect(missingDuring.isEmpty, "texts sent while the front was down, not delivered 2 s after it came back: \(missingDuring.sorted())")
        let lastArrival = await during.asyncMap { await pair.inbox.arrivals[$0] }.compactMap { $0 }.max()
        print("recovery: front restarted → texts sent while it was down all delivered \(lastArrival.map { back.duration(to: $0) } ?? .zero) after it was back")
        for index in 0..<10 {
            let id = "after-\(index)"
            let sent = ContinuousClock.now
            #expect(await pair.texts.send(id))
            #expect(await pair.inbox.waitFor([id], until: sent.advanced(by: .seconds(2))).isEmpty, "\(id) within 2 s")
        }
        await pair.inbox.stop()
    }

    // MARK: (f) a chat node dies

    @Test func usersOfAKilledNodeLogInElsewhereAtOnceAndGetEveryText() async throws {
        let redis = try await testRedisURL(database: 9)
        // The production node lifetime: recovery must not wait for it.
        let cluster = try await FaultCluster.start(
            fronts: 1, nodes: 2, redis: redis, database: try await ClusterTests.sharedDatabase("mariadb"), nodeTTL: "15")
        defer { cluster.stop() }
        let pair = try await Self.pair(cluster, "node")
        // chat-1 carries more sessions, so the gate would pick chat-2 if it still handed out the dead node.
        var others: [ChatClient] = []
        for name in ["node-c", "node-d"] { others.append(try await cluster.logIn(try await cluster.register(name), on: "chat-1").0) }
        let status = StatusRPCClient(client: RPCClient(
            host: "127.0.0.1", port: cluster.fronts[0].statusPort, security: RPCSecurity(secret: Array(clusterSecret.utf8)), logger: Logger(label: "t")))
        #expect(try await eventually(every: .milliseconds(50)) {
            try await status.liveChatNodes().first(where: { $0.name == "chat-1" })?.sessions ?? 0 >= 3
        }, "chat-1 reports its three sessions")
        for index in 0..<5 { await pair.texts.send("before-\(index)") }
        _ = await pair.inbox.waitFor(Set(await pair.texts.acknowledged), until: .now.advanced(by: .seconds(3)))
        await pair.inbox.stop()

        await cluster.node("chat-2").process.crash()
        let killed = ContinuousClock.now
        for index in 0..<5 { await pair.texts.send("while-down-\(index)") }
        var moved: ChatClient?
        _ = await eventually(within: .seconds(10), every: .milliseconds(100)) {
            guard let (chat, assigned) = try? await cluster.logIn(pair.receiverAccount) else { return false }
            #expect(assigned == cluster.node("chat-1").chatPort, "the dead node is not handed out")
            moved = chat
            return true
        }
        let elapsed = killed.duration(to: .now)
        let receiver = try #require(moved, "no login on the other node within 10 s")
        #expect(elapsed < .seconds(3), "logged in on the other node \(elapsed) after the kill")
        print("recovery: chat node killed → its user logged in on the other node after \(elapsed)")
        let inbox = await TextCollector.start(receiver)
        for index in 0..<5 { await pair.texts.send("after-\(index)") }
        // What arrived before the kill was delivered then; everything else arrives now (backlog or live).
        let before = Set(await pair.inbox.arrivals.keys)
        let acknowledged = Set(await pair.texts.acknowledged).subtracting(before)
        let missing = await inbox.waitFor(acknowledged, until: .now.advanced(by: .seconds(5)))
        #expect(missing.isEmpty, "acknowledged but not delivered: \(missing.sorted())")
        await inbox.stop()
        for client in others { await client.close() }
    }
}

/// A TCP peer that speaks no protocol: sends bytes and reports whether the server closed the connection.
enum RawTCP {
    static func sendAndWaitForClose(port: Int, bytes: [UInt8], timeout: Duration = .seconds(10)) async throws -> Bool {
        let client = try await ChatClient.connect(host: "127.0.0.1", port: port)
        client.send(raw: bytes)
        return await client.waitForClose(timeout: timeout)
    }
}

extension Array {
    func asyncMap<T>(_ transform: (Element) async -> T) async -> [T] {
        var result: [T] = []
        for element in self { result.append(await transform(element)) }
        return result
    }
}
