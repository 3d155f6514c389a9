import FluxChat
import FluxKV
import FluxContracts
import FluxRPC
import FluxStatus
import FluxTestSupport
import Logging
import ServiceLifecycle
import Testing

@Suite struct ChatNodeServiceTests {
    @Test func reportsItsSessionCountAndLeavesOnShutdown() async throws {
        let status = StatusService(kv: MemoryKeyValueStore(), configuration: StatusConfiguration(), logger: Logger(label: "test"))
        var configuration = ChatConfiguration()
        configuration.name = "node-x"
        configuration.advertiseHost = "chat.example.com"
        configuration.advertisePort = 0
        configuration.renewInterval = .milliseconds(50)
        let listening = ReadySignal()
        let node = ChatNodeService(
            configuration: configuration, status: status, logger: Logger(label: "test"), listening: listening,
            sessionCount: { 7 })
        let group = ServiceGroup(services: [node], logger: Logger(label: "test"))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            // Not registered before the listener is bound (the node is seen waiting for it, with nothing
            // reported); then advertises the bound port.
            #expect(await eventually { await listening.waiting == 1 }, "the node does not wait for its listener")
            #expect(try await status.liveChatNodes().isEmpty)
            await listening.signal(port: 4321)
            var nodes: [ChatNodeReport] = []
            _ = try await eventually {
                nodes = try await status.liveChatNodes()
                return !nodes.isEmpty
            }
            #expect(nodes.map(\.name) == ["node-x"] && nodes.first?.host == "chat.example.com" && nodes.first?.port == 4321)
            #expect(nodes.first?.sessions == 7 && nodes.first?.capacity == configuration.capacity)
            #expect(nodes.first.map { (0...1).contains($0.cpu) && (0...1).contains($0.memory) } == true)
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
        #expect(try await status.liveChatNodes().isEmpty)
    }
}
