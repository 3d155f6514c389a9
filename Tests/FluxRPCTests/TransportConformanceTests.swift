import FluxKV
import FluxContracts
import FluxProtocol
import FluxRPC
import FluxStatus
import FluxTestSupport
import Foundation
import Logging
import Synchronization
import Testing

/// Behaviour every transport must have: role code cannot tell which one it holds.
@Suite struct TransportConformanceTests {
    @Test(arguments: Transport.allCases)
    func resultsComeBackUnchanged(_ transport: Transport) async throws {
        let (probe, stop) = try await transport.probe()
        #expect(try await probe.echo("héllo 你好 🙂 \"quoted\" \n") == "héllo 你好 🙂 \"quoted\" \n")
        #expect(try await probe.echo("") == "")
        let big = String(repeating: "x", count: 1 << 20)
        #expect(try await probe.echo(big) == big)
        await stop()
    }

    @Test(arguments: Transport.allCases)
    func errorsKeepTheirProtocolCode(_ transport: Transport) async throws {
        let (probe, stop) = try await transport.probe()
        for code in [ErrorCode.verifyExpired, .userExists, .rateLimited] {
            let error = await #expect(throws: FluxError.self) { try await probe.fail(code: code.rawValue) }
            #expect(error?.code == code)
        }
        await stop()
    }

    @Test(arguments: Transport.allCases)
    func manyCallsInFlightAtOnce(_ transport: Transport) async throws {
        let slowCalls = SlowCalls()
        let (probe, stop) = try await transport.probe(slowCalls: slowCalls)
        let answers = try await withThrowingTaskGroup(of: (Int, String).self) { group in
            for index in 0..<200 {
                group.addTask { (index, try await probe.echo("call \(index)")) }
            }
            return try await group.reduce(into: [Int: String]()) { $0[$1.0] = $1.1 }
        }
        #expect(answers.count == 200 && answers.allSatisfy { $0.value == "call \($0.key)" })
        // A slow call does not hold up the others: a quick one answers while the slow one runs, which
        // ends only when the test lets it (or after a minute, should the quick call never come back).
        let slowDone = Atomic<Bool>(false)
        let slow = Task {
            let answer = try await probe.slow(milliseconds: 60_000)
            slowDone.store(true, ordering: .relaxed)
            return answer
        }
        #expect(await eventually { slowCalls.count == 1 }, "the slow call never started")
        #expect(try await probe.echo("quick") == "quick")
        let slowFinishedFirst = slowDone.load(ordering: .relaxed)
        #expect(!slowFinishedFirst, "the quick call waited for the slow one")
        slowCalls.release()
        #expect(try await slow.value == "done")
        await stop()
    }

    @Test(arguments: Transport.allCases)
    func statusRoleBehavesTheSame(_ transport: Transport) async throws {
        let service = StatusService(kv: MemoryKeyValueStore(), configuration: StatusConfiguration(), logger: Logger(label: "t"))
        var status: any StatusAPI = service
        var stop: @Sendable () async -> Void = {}
        if transport == .tcp {
            let running = try await RunningRPCServer.start { $0.serve(status: service) }
            let client = RPCClient(host: "127.0.0.1", port: running.port, security: .test, logger: Logger(label: "t"))
            status = StatusRPCClient(client: client)
            stop = {
                await client.close()
                await running.stop()
            }
        }
        let none = await #expect(throws: FluxError.self) { _ = try await status.assignChatNode(uid: 1) }
        #expect(none?.code == .rpcFailed)
        try await status.reportChatNode(ChatNodeReport(name: "n1", host: "10.1.1.1", port: 9000, sessions: 0, capacity: 5))
        let assignment = try await status.assignChatNode(uid: 1)
        #expect(assignment.node == "n1" && assignment.port == 9000 && assignment.token.count == 32)
        #expect(try await status.liveChatNodes().map(\.name) == ["n1"])
        try await status.removeChatNode(name: "n1")
        #expect(try await status.liveChatNodes().isEmpty)
        await stop()
    }
}

/// What only a network transport can do wrong: time out, lose its peer, and get it back.
@Suite struct RPCClientTests {
    @Test func aCallTimesOutAndTheConnectionStaysUsable() async throws {
        let running = try await RunningRPCServer.start { $0.serve(probe: ProbeService()) }
        let client = RPCClient(host: "127.0.0.1", port: running.port, security: .test, timeout: .seconds(10), logger: Logger(label: "t"))
        // This call's own limit is short; the next call has the generous default.
        let error = await #expect(throws: FluxError.self) {
            _ = try await client.call("probe.slow", Milliseconds(milliseconds: 3000), as: Text.self, timeout: .milliseconds(300))
        }
        #expect(error?.code == .rpcFailed && error?.reason.contains("timed out") == true)
        #expect(try await ProbeRPCClient(client: client).echo("still fine") == "still fine")
        await client.close()
        await running.stop()
    }

    @Test func aPeerThatIsDownFailsFastWithItsAddress() async throws {
        let port = try freePort()
        let client = RPCClient(host: "127.0.0.1", port: port, security: .test, logger: Logger(label: "t"))
        let probe = ProbeRPCClient(client: client)
        let first = await #expect(throws: FluxError.self) { _ = try await probe.echo("x") }
        #expect(first?.code == .rpcFailed && first?.reason.contains("127.0.0.1:\(port)") == true)
        // The next call fails at once from the backoff (no connection attempt, no call timeout).
        let second = await #expect(throws: FluxError.self) { _ = try await probe.echo("x") }
        #expect(second?.code == .rpcFailed && second?.reason.contains("is down (next try in") == true, "\(second?.reason ?? "")")
    }

    @Test func aPeerThatRestartsIsReachedAgain() async throws {
        let slowCalls = SlowCalls()
        // A port below the ephemeral range: while the server is down, an outgoing connection of another test
        // could otherwise be given this port as its source port, and the restart could not bind it.
        let first = try await RunningRPCServer.start(port: try freePort()) { $0.serve(probe: ProbeService(slowCalls: slowCalls)) }
        let port = first.port
        let client = RPCClient(host: "127.0.0.1", port: port, security: .test, logger: Logger(label: "t"))
        let probe = ProbeRPCClient(client: client)
        #expect(try await probe.echo("before") == "before")
        // A call in flight when the peer goes away fails instead of hanging: it is seen running on the
        // server, which stops before the call may finish.
        let inFlight = Task { try await probe.slow(milliseconds: 60_000) }
        #expect(await eventually { slowCalls.count == 1 }, "the slow call never reached the server")
        await first.stop()
        await #expect(throws: FluxError.self) { _ = try await inFlight.value }
        slowCalls.release()
        await #expect(throws: FluxError.self) { _ = try await probe.echo("while down") }
        let second = try await RunningRPCServer.start(port: port) { $0.serve(probe: ProbeService()) }
        var answer: String?
        _ = await eventually(within: .seconds(30), every: .milliseconds(50)) {
            answer = try? await probe.echo("after")
            return answer != nil
        }
        #expect(answer == "after")
        await client.close()
        await second.stop()
    }

    @Test func unknownMethodIs1016() async throws {
        let running = try await RunningRPCServer.start { _ in }
        let client = RPCClient(host: "127.0.0.1", port: running.port, security: .test, logger: Logger(label: "t"))
        let error = await #expect(throws: FluxError.self) { _ = try await client.call("no.such", RPCEmpty(), as: RPCEmpty.self) }
        #expect(error?.code == .unknownMessage)
        await client.close()
        await running.stop()
    }
}


func freePort() throws -> Int { try freeLoopbackPort() }
