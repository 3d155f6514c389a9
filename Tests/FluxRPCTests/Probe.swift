import FluxContracts
import FluxProtocol
import FluxRPC
import FluxTestSupport
import Foundation
import Logging
import ServiceLifecycle
import Synchronization

/// A small role API to test the transports with: both implementations must behave alike.
protocol ProbeAPI: Sendable {
    func echo(_ text: String) async throws(FluxError) -> String
    func fail(code: Int) async throws(FluxError)
    func slow(milliseconds: Int) async throws(FluxError) -> String
}

/// The in-process implementation (the "in-memory transport" is a direct call).
struct ProbeService: ProbeAPI {
    /// A slow call is counted when it starts and ends when the test releases it (or its time is up), so
    /// a test can wait for it to be in flight and decide when it finishes; by default nobody releases it.
    var slowCalls = SlowCalls()

    func echo(_ text: String) async throws(FluxError) -> String { text }

    func fail(code: Int) async throws(FluxError) {
        throw FluxError(ErrorCode(rawValue: code), "asked to fail")
    }

    func slow(milliseconds: Int) async throws(FluxError) -> String {
        slowCalls.started()
        _ = await eventually(within: .milliseconds(milliseconds), every: .milliseconds(10)) { slowCalls.isReleased }
        return "done"
    }
}

/// The slow calls of a `ProbeService`: how many started, and the test's word that they may finish.
final class SlowCalls: Sendable {
    private let state = Mutex((started: 0, released: false))

    /// Slow calls that have started on the serving side.
    var count: Int { state.withLock { $0.started } }
    var isReleased: Bool { state.withLock { $0.released } }

    func started() { state.withLock { $0.started += 1 } }
    /// Lets every slow call, running or to come, finish.
    func release() { state.withLock { $0.released = true } }
}

struct Text: Codable, Sendable { var text: String }
struct Code: Codable, Sendable { var code: Int }
struct Milliseconds: Codable, Sendable { var milliseconds: Int }

/// The same API over JSON-over-TCP RPC.
struct ProbeRPCClient: ProbeAPI {
    let client: any RPCCaller

    func echo(_ text: String) async throws(FluxError) -> String {
        try await client.call("probe.echo", Text(text: text), as: Text.self).text
    }

    func fail(code: Int) async throws(FluxError) {
        _ = try await client.call("probe.fail", Code(code: code), as: RPCEmpty.self)
    }

    func slow(milliseconds: Int) async throws(FluxError) -> String {
        try await client.call("probe.slow", Milliseconds(milliseconds: milliseconds), as: Text.self).text
    }
}

extension RPCServer {
    func serve(probe: any ProbeAPI) {
        register("probe.echo", Text.self) { params in Text(text: try await probe.echo(params.text)) }
        register("probe.fail", Code.self) { params in
            try await probe.fail(code: params.code)
            return RPCEmpty()
        }
        register("probe.slow", Milliseconds.self) { params in Text(text: try await probe.slow(milliseconds: params.milliseconds)) }
    }
}

/// A running RPC server on a loopback port, stopped by `stop()`.
final class RunningRPCServer: Sendable {
    let server: RPCServer
    let port: Int
    private let group: ServiceGroup
    private let task: Task<Void, any Error>

    static func start(
        port: Int = 0, security: RPCSecurity = .test, maximumInFlight: Int = 256, logger: Logger = Logger(label: "rpc-test"),
        configure: (RPCServer) -> Void
    ) async throws -> RunningRPCServer {
        let server = RPCServer(host: "127.0.0.1", port: port, security: security, maximumInFlight: maximumInFlight, logger: logger)
        configure(server)
        let group = ServiceGroup(services: [server], logger: Logger(label: "rpc-test"))
        let task = Task { try await group.run() }
        let bound = try await server.ready.wait()
        return RunningRPCServer(server: server, port: bound, group: group, task: task)
    }

    private init(server: RPCServer, port: Int, group: ServiceGroup, task: Task<Void, any Error>) {
        self.server = server
        self.port = port
        self.group = group
        self.task = task
    }

    func stop() async {
        await group.triggerGracefulShutdown()
        _ = try? await task.value
    }
}

/// The transports the conformance suite runs on.
enum Transport: String, CaseIterable, CustomStringConvertible, Sendable {
    case inProcess
    case tcp

    var description: String { rawValue }

    /// A probe over this transport, and a closure that tears it down.
    func probe(slowCalls: SlowCalls? = nil) async throws -> (any ProbeAPI, @Sendable () async -> Void) {
        let service = slowCalls.map { ProbeService(slowCalls: $0) } ?? ProbeService()
        switch self {
        case .inProcess:
            return (service, {})
        case .tcp:
            let running = try await RunningRPCServer.start { $0.serve(probe: service) }
            let client = RPCClient(host: "127.0.0.1", port: running.port, security: .test, logger: Logger(label: "rpc-test"))
            return (ProbeRPCClient(client: client), {
                await client.close()
                await running.stop()
            })
        }
    }
}

extension RPCSecurity {
    /// The cluster secret of the transport tests.
    static let test = RPCSecurity(secret: Array("transport-tests-secret-of-32-bytes!".utf8))
}
