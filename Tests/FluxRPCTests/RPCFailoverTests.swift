import FluxProtocol
import FluxRPC
import Logging
import Testing

/// Several peers of one role (status, verify): a call goes to the peer that answered last and moves on
/// when that one cannot be reached; an error the peer itself returns is not a reason to move.
@Suite struct RPCFailoverTests {
    /// A peer that says its name (`probe.name`) and serves the probe.
    private func peer(_ name: String, port: Int = 0) async throws -> RunningRPCServer {
        try await RunningRPCServer.start(port: port) { server in
            server.serve(probe: ProbeService())
            server.register("probe.name", RPCEmpty.self) { _ in Text(text: name) }
        }
    }

    @Test func callsMoveToTheNextPeerWhenOneIsDownAndStayWithIt() async throws {
        let down = try freePort()
        var first = try await peer("first")
        let second = try await peer("second")
        let peers = [down, first.port, second.port].map {
            RPCClient(host: "127.0.0.1", port: $0, security: .test, logger: Logger(label: "t"))
        }
        let failover = RPCFailoverClient(peers: peers, logger: Logger(label: "t"))
        do {
            let answering = { () async throws -> String in try await failover.call("probe.name", RPCEmpty(), as: Text.self).text }
            #expect(failover.addresses == peers.map(\.peer))

            #expect(try await answering() == "first", "past the peer that is down")
            // A refusal from the peer that answered comes back as it is; no other peer is asked.
            let refused = await #expect(throws: FluxError.self) { try await ProbeRPCClient(client: failover).fail(code: 1015) }
            #expect(refused?.code.rawValue == 1015)
            #expect(try await answering() == "first")

            // That peer goes down: the next call reaches the last one, and calls stay with it even once the
            // first is back.
            let firstPort = first.port
            await first.stop()
            #expect(try await answering() == "second")
            first = try await peer("first", port: firstPort)
            #expect(try await answering() == "second")

            // Every peer down: 1002.
            await first.stop()
            await second.stop()
            let none = await #expect(throws: FluxError.self) { _ = try await answering() }
            #expect(none?.code == .rpcFailed)
        } catch {
            // A failed step must not leave its peers listening for the rest of the run.
            await first.stop()
            await second.stop()
            await failover.close()
            throw error
        }
        await failover.close()
    }
}
