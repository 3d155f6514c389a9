import FluxProtocol
import FluxRPC
import FluxTestSupport
import Foundation
import Logging
import NIOCore
import NIOPosix
import Synchronization
import Testing

/// What an RPC port does with peers that cannot prove the cluster secret, and the transport's limits.
@Suite struct RPCSecurityTests {
    @Test func aClientWithAWrongSecretIsClosedAndNothingRuns() async throws {
        let logs = CapturedLogs()
        let ran = Atomic<Int>(0)
        let running = try await RunningRPCServer.start(logger: logs.logger) { server in
            server.register("probe.count", RPCEmpty.self) { _ in
                ran.add(1, ordering: .relaxed)
                return RPCEmpty()
            }
        }
        let stranger = RPCClient(
            host: "127.0.0.1", port: running.port, security: RPCSecurity(secret: Array("not-the-cluster-secret-at-all-no!".utf8)),
            logger: Logger(label: "t"))
        let error = await #expect(throws: FluxError.self) { _ = try await stranger.call("probe.count", RPCEmpty(), as: RPCEmpty.self) }
        #expect(error?.code == .rpcFailed)
        #expect(stranger.isUnreachable)
        try await logs.waitFor("rpc handshake failed")
        #expect(logs.lines.filter { $0.contains("rpc handshake failed") }.count == 1)
        // The right secret works on the same port; the stranger's call never ran.
        let member = RPCClient(host: "127.0.0.1", port: running.port, security: .test, logger: Logger(label: "t"))
        _ = try await member.call("probe.count", RPCEmpty(), as: RPCEmpty.self)
        #expect(ran.load(ordering: .relaxed) == 1)
        await member.close()
        await running.stop()
    }

    @Test func aPeerThatSkipsTheHandshakeIsClosedAndNothingRuns() async throws {
        let logs = CapturedLogs()
        let ran = Atomic<Int>(0)
        let running = try await RunningRPCServer.start(logger: logs.logger) { server in
            server.register("status.assign", RPCEmpty.self) { _ in
                ran.add(1, ordering: .relaxed)
                return RPCEmpty()
            }
        }
        // The old unauthenticated framing: 4-byte length, then a JSON call.
        let call = Array(#"{"id":1,"method":"status.assign","params":{"uid":1}}"#.utf8)
        var bytes: [UInt8] = withUnsafeBytes(of: UInt32(call.count).bigEndian, Array.init)
        bytes += call
        #expect(try await RawPeer.sendAndWaitForClose(port: running.port, bytes: bytes), "the server closes the connection")
        try await logs.waitFor("rpc handshake failed")
        #expect(ran.load(ordering: .relaxed) == 0)
        // A peer that connects and says nothing is closed after the handshake timeout, not kept forever.
        await running.stop()
    }

    @Test func callsBeyondTheLimitWaitInsteadOfPilingUp() async throws {
        let current = Atomic<Int>(0)
        let peak = Atomic<Int>(0)
        let running = try await RunningRPCServer.start(maximumInFlight: 2) { server in
            server.register("probe.busy", RPCEmpty.self) { _ in
                let now = current.add(1, ordering: .relaxed).newValue
                _ = peak.max(now, ordering: .relaxed)
                // Busy until a second call runs beside it (or a second has passed): so calls overlap.
                _ = await eventually(within: .seconds(1), every: .milliseconds(5)) { current.load(ordering: .relaxed) >= 2 }
                current.subtract(1, ordering: .relaxed)
                return RPCEmpty()
            }
        }
        let client = RPCClient(host: "127.0.0.1", port: running.port, security: .test, timeout: .seconds(30), logger: Logger(label: "t"))
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<12 {
                group.addTask { _ = try await client.call("probe.busy", RPCEmpty(), as: RPCEmpty.self) }
            }
            try await group.waitForAll()
        }
        #expect(peak.load(ordering: .relaxed) == 2, "maximumInFlight calls of a connection run at once, and no more")
        await client.close()
        await running.stop()
    }

    @Test func aCancelledCallReturnsAtOnce() async throws {
        let running = try await RunningRPCServer.start { $0.serve(probe: ProbeService()) }
        let client = RPCClient(host: "127.0.0.1", port: running.port, security: .test, timeout: .seconds(30), logger: Logger(label: "t"))
        let probe = ProbeRPCClient(client: client)
        #expect(try await probe.echo("warm") == "warm")
        // Without cancellation this call would answer "done" after 20 s; cancelled, it throws.
        let slow = Task { try await probe.slow(milliseconds: 20_000) }
        slow.cancel()
        let error = await #expect(throws: FluxError.self) { _ = try await slow.value }
        #expect(error?.reason.contains("cancelled") == true, "\(error?.reason ?? "")")
        #expect(try await probe.echo("after") == "after")
        await client.close()
        await running.stop()
    }

    @Test func mutualTLSWithCertificatesMadeNowAndAStrangerRefused() async throws {
        let pki = try TestPKI.make()
        let cluster = RPCSecurity(secret: RPCSecurity.test.secret, tls: try RPCTLS(certificatePath: pki.cert, keyPath: pki.key, caPath: pki.ca))
        let logs = CapturedLogs()
        let running = try await RunningRPCServer.start(security: cluster, logger: logs.logger) { $0.serve(probe: ProbeService()) }
        let member = RPCClient(host: "127.0.0.1", port: running.port, security: cluster, logger: Logger(label: "t"))
        #expect(try await ProbeRPCClient(client: member).echo("over tls") == "over tls")
        // A peer with the right secret but a certificate from another CA is refused by TLS.
        let stranger = RPCSecurity(
            secret: RPCSecurity.test.secret,
            tls: try RPCTLS(certificatePath: pki.strangerCert, keyPath: pki.strangerKey, caPath: pki.ca))
        let outsider = RPCClient(host: "127.0.0.1", port: running.port, security: stranger, logger: Logger(label: "t"))
        await #expect(throws: FluxError.self) { _ = try await ProbeRPCClient(client: outsider).echo("let me in") }
        // A peer without TLS at all gets nowhere either.
        let plain = RPCClient(host: "127.0.0.1", port: running.port, security: .test, logger: Logger(label: "t"))
        await #expect(throws: FluxError.self) { _ = try await ProbeRPCClient(client: plain).echo("plain") }
        await member.close()
        await running.stop()
    }
}

/// A TCP peer that speaks no protocol: sends bytes and reports whether the server closed the connection.
enum RawPeer {
    /// Sends `bytes` and waits until the server closes the connection (true) or `timeout` passes (false).
    /// The bound is wide: on a loaded machine the handshake timer itself can fire seconds late.
    static func sendAndWaitForClose(port: Int, bytes: [UInt8], timeout: Duration = .seconds(30)) async throws -> Bool {
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton).connect(host: "127.0.0.1", port: port).get()
        try await channel.writeAndFlush(ByteBuffer(bytes: bytes))
        // The test's own deadline: a close it makes itself is not the server's.
        let gaveUp = Atomic<Bool>(false)
        let deadline = channel.eventLoop.scheduleTask(in: .nanoseconds(Int64(timeout.components.seconds) * 1_000_000_000 + timeout.components.attoseconds / 1_000_000_000)) {
            gaveUp.store(true, ordering: .relaxed)
            channel.close(promise: nil)
        }
        try? await channel.closeFuture.get()
        deadline.cancel()
        return !gaveUp.load(ordering: .relaxed)
    }
}
