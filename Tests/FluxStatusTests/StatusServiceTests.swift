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
}
