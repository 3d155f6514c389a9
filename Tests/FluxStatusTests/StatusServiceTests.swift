import FluxKV
import FluxContracts
import FluxProtocol
import Synchronization
import FluxCluster
import FluxStatus
import Logging
import Testing

@Suite struct StatusServiceTests {
    /// Wall-clock milliseconds that move only when a test says so.
    final class TestClock: Sendable {
        let milliseconds = Atomic<Int64>(1_700_000_000_000)
        func advance(by duration: Duration) {
            milliseconds.add(duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000, ordering: .relaxed)
        }
        var now: @Sendable () -> Int64 { { self.milliseconds.load(ordering: .relaxed) } }
    }

    func status(nodeLifetime: Duration = .seconds(15), clock: TestClock = TestClock()) -> (StatusService, MemoryKeyValueStore) {
        let kv = MemoryKeyValueStore()
        var configuration = StatusConfiguration()
        configuration.nodeLifetime = nodeLifetime
        return (StatusService(kv: kv, configuration: configuration, logger: Logger(label: "test"), now: clock.now), kv)
    }

    /// A status service and the node registry it reads, on one KV and one clock (for unreachable marks).
    func statusAndRegistry(clock: TestClock) -> (StatusService, NodeRegistry) {
        let (status, kv) = status(clock: clock)
        return (status, NodeRegistry(kv: kv, lifetime: .seconds(15), now: clock.now))
    }

    @Test func noNodeIs1002() async {
        let (status, _) = status()
        await #expect(throws: FluxError.self) { _ = try await status.assignChatNode(uid: 1) }
    }

    @Test func picksTheLeastLoadedByCapacityAndSkipsDrainingAndFullNodes() async throws {
        let (status, kv) = status()
        try await status.reportChatNode(ChatNodeReport(name: "big", host: "10.0.0.1", port: 1, sessions: 300, capacity: 1000))
        try await status.reportChatNode(ChatNodeReport(name: "small", host: "10.0.0.2", port: 2, sessions: 50, capacity: 100))
        try await status.reportChatNode(ChatNodeReport(name: "draining", host: "10.0.0.3", port: 3, sessions: 0, capacity: 1000, draining: true))
        try await status.reportChatNode(ChatNodeReport(name: "full", host: "10.0.0.4", port: 4, sessions: 10, capacity: 10))
        let assignment = try await status.assignChatNode(uid: 7)
        #expect(assignment.node == "big" && assignment.host == "10.0.0.1" && assignment.port == 1)
        #expect(try await kv.get("utoken_7") == assignment.token)
        #expect(try await kv.timeToLive("utoken_7") != nil)
    }

    @Test func assignmentsSpreadBeforeTheNextRenewal() async throws {
        let (status, _) = status()
        try await status.reportChatNode(ChatNodeReport(name: "a", host: "h", port: 1, sessions: 0, capacity: 10))
        try await status.reportChatNode(ChatNodeReport(name: "b", host: "h", port: 2, sessions: 0, capacity: 10))
        var nodes: [String] = []
        for uid in 1...4 { nodes.append(try await status.assignChatNode(uid: Int64(uid)).node) }
        #expect(nodes.filter { $0 == "a" }.count == 2 && nodes.filter { $0 == "b" }.count == 2)
    }

    @Test func aNodeThatStopsRenewingDropsOut() async throws {
        let clock = TestClock()
        let (status, _) = status(nodeLifetime: .seconds(1), clock: clock)
        try await status.reportChatNode(ChatNodeReport(name: "gone", host: "h", port: 1, sessions: 0, capacity: 10))
        #expect(try await status.liveChatNodes().count == 1)
        clock.advance(by: .milliseconds(1500))
        #expect(try await status.liveChatNodes().isEmpty)
        await #expect(throws: FluxError.self) { _ = try await status.assignChatNode(uid: 1) }
    }

    @Test func twoStatusProcessesOnOneKVGiveTheSameAnswers() async throws {
        let kv = MemoryKeyValueStore()
        let clock = TestClock()
        let first = StatusService(kv: kv, configuration: StatusConfiguration(), logger: Logger(label: "a"), now: clock.now)
        let second = StatusService(kv: kv, configuration: StatusConfiguration(), logger: Logger(label: "b"), now: clock.now)
        try await first.reportChatNode(ChatNodeReport(name: "a", host: "h", port: 1, sessions: 0, capacity: 10, instance: "r"))
        try await first.reportChatNode(ChatNodeReport(name: "b", host: "h", port: 2, sessions: 5, capacity: 10, instance: "r"))
        #expect(try await second.liveChatNodes().map(\.name) == ["a", "b"])
        _ = try await first.setDraining(name: "a", true)
        #expect(try await second.assignChatNode(uid: 1).node == "b")
        try await second.removeChatNode(name: "b")
        #expect(try await first.liveChatNodes().map(\.name) == ["a"])
    }

    @Test func anUnreachableNodeIsNotAssigned() async throws {
        let clock = TestClock()
        let (status, registry) = statusAndRegistry(clock: clock)
        try await status.reportChatNode(ChatNodeReport(name: "a", host: "h", port: 1, sessions: 0, capacity: 10))
        try await status.reportChatNode(ChatNodeReport(name: "b", host: "h", port: 2, sessions: 9, capacity: 10))
        try await registry.setUnreachable(name: "a", for: .seconds(3))
        #expect(try await status.assignChatNode(uid: 1).node == "b")
        #expect(try await status.liveChatNodes().first { $0.name == "a" }?.reachable == false)
        clock.advance(by: .seconds(4))
        try await status.reportChatNode(ChatNodeReport(name: "a", host: "h", port: 1, sessions: 0, capacity: 10))
        #expect(try await status.assignChatNode(uid: 2).node == "a", "the mark expires")
    }

    @Test func whenEveryOpenNodeIsMarkedUnreachableTheLeastLoadedIsStillAssigned() async throws {
        let clock = TestClock()
        let (status, registry) = statusAndRegistry(clock: clock)
        try await status.reportChatNode(ChatNodeReport(name: "a", host: "h", port: 1, sessions: 5, capacity: 10))
        try await status.reportChatNode(ChatNodeReport(name: "b", host: "h", port: 2, sessions: 1, capacity: 10))
        try await status.reportChatNode(ChatNodeReport(name: "full", host: "h", port: 3, sessions: 10, capacity: 10))
        try await registry.setUnreachable(name: "a", for: .seconds(3))
        try await registry.setUnreachable(name: "b", for: .seconds(3))
        #expect(try await status.assignChatNode(uid: 1).node == "b", "the least loaded of the marked nodes, never the full one")
        _ = try await status.setDraining(name: "a", true)
        _ = try await status.setDraining(name: "b", true)
        await #expect(throws: FluxError.self, "draining and full nodes are never handed out") { _ = try await status.assignChatNode(uid: 2) }
    }

    @Test func everyAssignmentGetsAFreshToken() async throws {
        let (status, kv) = status()
        try await status.reportChatNode(ChatNodeReport(name: "a", host: "h", port: 1, sessions: 0, capacity: 10))
        let first = try await status.assignChatNode(uid: 3).token
        let second = try await status.assignChatNode(uid: 3).token
        #expect(first != second && first.count == 32)
        #expect(try await kv.get("utoken_3") == second)
    }

    @Test func aDrainedNodeStaysDrainedAcrossRenewalsUntilUndrainedOrRestarted() async throws {
        let (status, _) = status()
        try await status.reportChatNode(ChatNodeReport(name: "a", host: "h", port: 1, sessions: 0, capacity: 10, instance: "run-1"))
        try await status.reportChatNode(ChatNodeReport(name: "b", host: "h", port: 2, sessions: 5, capacity: 10, instance: "run-1"))
        #expect(try await status.setDraining(name: "a", true).draining)
        // The node's own renewal (not yet knowing) does not undo the drain.
        try await status.reportChatNode(ChatNodeReport(name: "a", host: "h", port: 1, sessions: 0, capacity: 10, instance: "run-1"))
        for uid in 1...3 { #expect(try await status.assignChatNode(uid: Int64(uid)).node == "b") }
        #expect(try await status.liveChatNodes().first { $0.name == "a" }?.draining == true)
        // A restart (a new instance) comes back assignable.
        try await status.reportChatNode(ChatNodeReport(name: "a", host: "h", port: 1, sessions: 0, capacity: 10, instance: "run-2"))
        #expect(try await status.assignChatNode(uid: 9).node == "a")
        _ = try await status.setDraining(name: "a", true)
        #expect(try await !status.setDraining(name: "a", false).draining)
        await #expect(throws: FluxError.self) { _ = try await status.setDraining(name: "nobody", true) }
    }

    @Test func theMessageRateComesFromSuccessiveRenewals() async throws {
        let clock = TestClock()
        let (status, _) = status(clock: clock)
        try await status.reportChatNode(ChatNodeReport(name: "a", host: "h", port: 1, sessions: 0, capacity: 10, instance: "r", messagesIn: 100))
        clock.advance(by: .milliseconds(1100))
        try await status.reportChatNode(ChatNodeReport(name: "a", host: "h", port: 1, sessions: 0, capacity: 10, instance: "r", messagesIn: 320))
        let rate = try #require(try await status.liveChatNodes().first?.messagesPerSecond)
        // 220 texts over exactly 1.1 s.
        #expect(abs(rate - 200) < 0.001)
        #expect(try #require(try await status.liveChatNodes().first?.renewedSecondsAgo) < 5)
    }
}
