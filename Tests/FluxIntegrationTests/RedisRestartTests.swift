import FluxTestSupport
import FluxClient
import FluxProtocol
import Foundation
import Testing

/// Redis is only rebuildable state: restarting it under load logs people out but loses no stored text,
/// and the roles recover without a restart.
@Suite struct RedisRestartTests {
    @Test func textsSurviveARedisRestartAndLoginsRecover() async throws {
        let redis = try TestRedisServer.start()
        defer { redis.stop() }
        try await redis.waitUntilReady()
        // The flow sends as fast as answers come: no text limit may refuse it.
        try await TestFlux.run(environment: ["FLUX_KV_URL": redis.url, "FLUX_CHAT_TEXTS_PER_SECOND": "10000000"]) {
            (flux: TestFlux) async throws in
            let rae = try await ChatUser.signUp(flux, "rae")
            let sol = try await ChatUser.signUp(flux, "sol")
            try await makeFriends(rae, sol)

            // Texts flow; Redis dies under them (texts may go on being acknowledged: the store has them).
            let flow = TextFlow.start(from: rae, to: sol, msgids: "r")
            #expect(await eventually(within: .seconds(30)) { flow.acknowledged.count >= 10 }, "texts do not flow")
            redis.stop()
            // While Redis is down nobody can log in, and the server says so.
            let down = try await flux.gate.post("user_login", ["email": rae.email, "passwd": rae.password])
            #expect(down.error != 0)
            try redis.restart()
            try await redis.waitUntilReady()
            let sent = await flow.finish()
            #expect(sent.count > 0)

            // Redis came back empty: Sol logs in again (new token) and gets every acknowledged text, live on
            // the old connection (read to its end: the new login closes it) or in the new one's backlog.
            // Logins work again once the node's fault sweep has seen the empty Redis and registered anew.
            #expect(try await eventually(within: .seconds(15)) {
                try await flux.gate.post("user_login", ["email": sol.email, "passwd": sol.password]).error == 0
            }, "logins recover after the Redis restart")
            let again = try await sol.reconnect(flux, waitForBacklog: false)
            #expect(await sol.client.waitForClose(timeout: .seconds(10)), "the new login leaves the old connection open")
            var received = Set<String>()
            for frame in await sol.client.drain() where frame.id == .notifyTextChat {
                received.formUnion(try frame.decode(TextChatMessage.self).textArray.map(\.msgid))
            }
            while true {
                let frame = try await again.client.next(nil, timeout: .seconds(10))
                if frame.id == .notifyBacklogDone { break }
                if frame.id == .notifyTextChat { received.formUnion(try frame.decode(TextChatMessage.self).textArray.map(\.msgid)) }
            }
            let missing = Set(sent).subtracting(received)
            #expect(missing.isEmpty, "acknowledged but not delivered: \(missing.sorted())")
            #expect(try await again.client.storedMsgids(with: rae.uid).isSuperset(of: sent))
        }
    }
}

/// A redis-server of the test's own, so it can be stopped and started again on the same port.
final class TestRedisServer: @unchecked Sendable {
    // @unchecked: `process` is replaced only by `restart()`, which the one test task calls between
    // its other calls; nothing else touches it concurrently.
    let port: Int
    let folder: String
    private var process: ChildProcess

    var url: String { "redis://127.0.0.1:\(port)/0" }

    static func start() throws -> TestRedisServer {
        let port = try freeLoopbackPort()
        let folder = TestFolder.path("flux-redis")
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        return TestRedisServer(port: port, folder: folder, process: try launch(port: port, folder: folder))
    }

    private init(port: Int, folder: String, process: ChildProcess) {
        self.port = port
        self.folder = folder
        self.process = process
    }

    private static func launch(port: Int, folder: String) throws -> ChildProcess {
        let candidates = ["/usr/bin/redis-server", "/usr/local/bin/redis-server"]
        guard let binary = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            throw MissingTestServer("redis-server is not installed (make deps installs it)")
        }
        let process = ChildProcess()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["--port", "\(port)", "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", folder]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        return process
    }

    func waitUntilReady() async throws {
        if await eventually(within: .seconds(5), every: .milliseconds(50), { canConnect(port: port) }) { return }
        throw MissingTestServer("redis-server did not start on port \(port)")
    }

    func stop() {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        _ = eventuallyBlocking(within: .seconds(2)) { !canConnect(port: port) }
    }

    func restart() throws {
        stop()
        process = try Self.launch(port: port, folder: folder)
    }
}

#if canImport(Glibc)
import Glibc
#endif
