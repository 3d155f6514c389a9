import FluxKV
import FluxProtocol
import FluxRPC
import FluxStatus
import Logging
import Testing

@Suite struct StatusServiceTests {
    func status(nodeLifetime: Duration = .seconds(15)) -> (StatusService, MemoryKeyValueStore) {
        let kv = MemoryKeyValueStore()
        var configuration = StatusConfiguration()
        configuration.nodeLifetime = nodeLifetime
        return (StatusService(kv: kv, configuration: configuration, logger: Logger(label: "test")), kv)
    }

    @Test func noNodeIs1002() async {
        let (status, _) = status()
        await #expect(throws: FluxError.self) { _ = try await status.assignChatNode(uid: 1) }
    }

    @Test func picksTheLeastLoadedByCapacityAndSkipsDrainingAndFullNodes() async throws {
        let (status, kv) = status()
        await status.reportChatNode(ChatNodeReport(name: "big", host: "10.0.0.1", port: 1, sessions: 300, capacity: 1000))
        await status.reportChatNode(ChatNodeReport(name: "small", host: "10.0.0.2", port: 2, sessions: 50, capacity: 100))
        await status.reportChatNode(ChatNodeReport(name: "draining", host: "10.0.0.3", port: 3, sessions: 0, capacity: 1000, draining: true))
        await status.reportChatNode(ChatNodeReport(name: "full", host: "10.0.0.4", port: 4, sessions: 10, capacity: 10))
        let assignment = try await status.assignChatNode(uid: 7)
        #expect(assignment.node == "big" && assignment.host == "10.0.0.1" && assignment.port == 1)
        #expect(try await kv.get("utoken_7") == assignment.token)
        #expect(try await kv.timeToLive("utoken_7") != nil)
    }

    @Test func assignmentsSpreadBeforeTheNextRenewal() async throws {
        let (status, _) = status()
        await status.reportChatNode(ChatNodeReport(name: "a", host: "h", port: 1, sessions: 0, capacity: 10))
        await status.reportChatNode(ChatNodeReport(name: "b", host: "h", port: 2, sessions: 0, capacity: 10))
        var nodes: [String] = []
        for uid in 1...4 { nodes.append(try await status.assignChatNode(uid: Int64(uid)).node) }
        #expect(nodes.filter { $0 == "a" }.count == 2 && nodes.filter { $0 == "b" }.count == 2)
    }

    @Test func aNodeThatStopsRenewingDropsOut() async throws {
        let (status, _) = status(nodeLifetime: .seconds(1))
        await status.reportChatNode(ChatNodeReport(name: "gone", host: "h", port: 1, sessions: 0, capacity: 10))
        #expect(await status.liveChatNodes().count == 1)
        try await Task.sleep(for: .milliseconds(1500))
        #expect(await status.liveChatNodes().isEmpty)
        await #expect(throws: FluxError.self) { _ = try await status.assignChatNode(uid: 1) }
    }

    @Test func everyAssignmentGetsAFreshToken() async throws {
        let (status, kv) = status()
        await status.reportChatNode(ChatNodeReport(name: "a", host: "h", port: 1, sessions: 0, capacity: 10))
        let first = try await status.assignChatNode(uid: 3).token
        let second = try await status.assignChatNode(uid: 3).token
        #expect(first != second && first.count == 32)
        #expect(try await kv.get("utoken_3") == second)
    }

    @Test func aDrainedNodeStaysDrainedAcrossRenewalsUntilUndrainedOrRestarted() async throws {
        let (status, _) = status()
        await status.reportChatNode(ChatNodeReport(name: "a", host: "h", port: 1, sessions: 0, capacity: 10, instance: "run-1"))
        await status.reportChatNode(ChatNodeReport(name: "b", host: "h", port: 2, sessions: 5, capacity: 10, instance: "run-1"))
        #expect(try await status.setDraining(name: "a", true).draining)
        // The node's own renewal (not yet knowing) does not undo the drain.
        await status.reportChatNode(ChatNodeReport(name: "a", host: "h", port: 1, sessions: 0, capacity: 10, instance: "run-1"))
        for uid in 1...3 { #expect(try await status.assignChatNode(uid: Int64(uid)).node == "b") }
        #expect(await status.liveChatNodes().first { $0.name == "a" }?.draining == true)
        // A restart (a new instance) comes back assignable.
        await status.reportChatNode(ChatNodeReport(name: "a", host: "h", port: 1, sessions: 0, capacity: 10, instance: "run-2"))
        #expect(try await status.assignChatNode(uid: 9).node == "a")
        _ = try await status.setDraining(name: "a", true)
        #expect(try await !status.setDraining(name: "a", false).draining)
        await #expect(throws: FluxError.self) { _ = try await status.setDraining(name: "nobody", true) }
    }

    @Test func theMessageRateComesFromSuccessiveRenewals() async throws {
        let (status, _) = status()
        await status.reportChatNode(ChatNodeReport(name: "a", host: "h", port: 1, sessions: 0, capacity: 10, instance: "r", messagesIn: 100))
        try await Task.sleep(for: .milliseconds(1100))
        await status.reportChatNode(ChatNodeReport(name: "a", host: "h", port: 1, sessions: 0, capacity: 10, instance: "r", messagesIn: 320))
        let rate = try #require(await status.liveChatNodes().first?.messagesPerSecond)
        // 220 texts over a little more than 1.1 s (the exact time depends on the machine's load).
        #expect(rate > 20 && rate <= 200)
        #expect(try #require(await status.liveChatNodes().first?.renewedSecondsAgo) < 5)
    }
}
