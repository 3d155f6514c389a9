import FluxCrypto
import FluxStore
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The Flux processes a benchmark runs against: started by the bench (this same binary, `--role all` or a
/// front process and two chat nodes), each with its own ports and a temporary data folder.
final class FluxUnderTest: @unchecked Sendable {
    // @unchecked: the fields are set once in `start` and only read afterwards; `Process` is thread-safe
    // for the isRunning/terminate calls made here.
    struct Node {
        let name: String
        let process: Process
        let chatPort: Int
        /// The node's WebSocket port (0 when not known: a running Flux measured with `--target`).
        var webSocketPort: Int = 0
    }

    let gateHost: String
    let gatePort: Int
    let databaseURL: String
    let dataDirectory: String
    private(set) var nodes: [Node] = []
    private var processes: [Process] = []
    /// The metrics port of the single Flux the bench started (for its heap figure).
    private var metricsPort: Int?
    /// A Flux the bench did not start (`--target`), and its process id if given (for memory figures).
    private var externalPID: Int32?
    private var isExternal = false

    private init(gatePort: Int, databaseURL: String, dataDirectory: String, gateHost: String = "127.0.0.1") {
        self.gateHost = gateHost
        self.gatePort = gatePort
        self.databaseURL = databaseURL
        self.dataDirectory = dataDirectory
    }

    /// The executable of this process (the `flux` binary).
    static var executable: String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    }

    /// A running Flux: its gate at `gate` (`host:port`) and the store it uses (the bench creates its users
    /// there). With `pid`, the memory figures read that process.
    static func external(gate: String, databaseURL: String, pid: Int32?) async throws -> FluxUnderTest {
        guard let colon = gate.lastIndex(of: ":"), let port = Int(gate[gate.index(after: colon)...]) else {
            throw BenchError("--target must be host:port of the gate, not '\(gate)'")
        }
        let flux = FluxUnderTest(gatePort: port, databaseURL: databaseURL, dataDirectory: "", gateHost: String(gate[..<colon]))
        flux.isExternal = true
        flux.externalPID = pid
        try await flux.waitForHTTP()
        return flux
    }

    /// The process whose memory is reported: the target's `--pid`, or the single Flux the bench started.
    var serverPID: Int32? {
        isExternal ? externalPID : nodes.first?.process.processIdentifier
    }

    /// `flux --role all` with SQLite and the in-process KV.
    /// With `openFileLimit`, under that descriptor limit (soft and hard); with `abuseLimits`, the server's
    /// default connection caps and login limits stay on (other scenarios lift them: their load is one
    /// address going flat out).
    static func single(
        logN: Int, sqliteSynchronous: String = "full", openFileLimit: Int? = nil, abuseLimits: Bool = false
    ) async throws -> FluxUnderTest {
        try await onFreshPorts {
            try await singleOnce(logN: logN, sqliteSynchronous: sqliteSynchronous, openFileLimit: openFileLimit, abuseLimits: abuseLimits)
        }
    }

    /// A front process (gate, status, verify) and two chat nodes sharing Redis and one store: `databaseURL`
    /// (a MariaDB, its database created if missing), or one SQLite file.
    static func cluster(redisURL: String, databaseURL: String? = nil, logN: Int, sqliteSynchronous: String = "full") async throws -> FluxUnderTest {
        if let databaseURL, databaseURL.hasPrefix("mysql://") {
            try await MariaDBStore.createDatabase(try MariaDBURL(parsing: databaseURL))
        }
        return try await onFreshPorts {
            try await clusterOnce(redisURL: redisURL, databaseURL: databaseURL, logN: logN, sqliteSynchronous: sqliteSynchronous)
        }
    }

    /// Ports are picked free, then bound by the child processes: another program may take one in between.
    /// Such a start is stopped and tried again on new ports (at most three times).
    private static func onFreshPorts(_ start: () async throws -> FluxUnderTest) async throws -> FluxUnderTest {
        var attempt = 1
        while true {
            do {
                return try await start()
            } catch let error as PortTaken where attempt < 3 {
                await error.flux.stop()
                attempt += 1
            } catch let error as PortTaken {
                throw error.underlying
            }
        }
    }

    private struct PortTaken: Error {
        let flux: FluxUnderTest
        let underlying: any Error
    }

    /// Waits until the processes are up; a failure caused by a port taken meanwhile becomes `PortTaken`.
    private func waitUntilUpOnFreePorts() async throws {
        do {
            try await waitUntilUp()
        } catch {
            let logs = (try? FileManager.default.contentsOfDirectory(atPath: dataDirectory))?.filter { $0.hasSuffix(".log") } ?? []
            let taken = logs.contains { name in
                ((try? String(contentsOfFile: "\(dataDirectory)/\(name)", encoding: .utf8)) ?? "").contains("Address already in use")
            }
            throw taken ? PortTaken(flux: self, underlying: error) : error
        }
    }

    private static func singleOnce(logN: Int, sqliteSynchronous: String, openFileLimit: Int?, abuseLimits: Bool) async throws -> FluxUnderTest {
        let folder = try temporaryFolder()
        let flux = FluxUnderTest(gatePort: try freeLoopbackPort(), databaseURL: "sqlite://\(folder)/flux.sqlite", dataDirectory: folder)
        let chatPort = try freeLoopbackPort()
        let webSocketPort = try freeLoopbackPort()
        flux.metricsPort = try freeLoopbackPort()
        let process = try flux.spawn(["--role", "all"], [
            "FLUX_METRICS_PORT": "\(flux.metricsPort ?? 0)", "FLUX_GATE_PORT": "\(flux.gatePort)", "FLUX_CHAT_PORT": "\(chatPort)", "FLUX_CHAT_WS_PORT": "\(webSocketPort)", "FLUX_STATUS_RPC_PORT": "\(try freeLoopbackPort())",
            "FLUX_SECURITY_SCRYPT_LOG_N": "\(logN)", "FLUX_DB_SQLITE_SYNCHRONOUS": sqliteSynchronous,
        ], log: "flux", openFileLimit: openFileLimit, abuseLimits: abuseLimits)
        flux.nodes = [Node(name: "chat-1", process: process, chatPort: chatPort, webSocketPort: webSocketPort)]
        try await flux.waitUntilUpOnFreePorts()
        return flux
    }

    private static func clusterOnce(redisURL: String, databaseURL: String?, logN: Int, sqliteSynchronous: String) async throws -> FluxUnderTest {
        let folder = try temporaryFolder()
        let flux = FluxUnderTest(
            gatePort: try freeLoopbackPort(), databaseURL: databaseURL ?? "sqlite://\(folder)/flux.sqlite", dataDirectory: folder)
        let statusPort = try freeLoopbackPort()
        let verifyPort = try freeLoopbackPort()
        let common = [
            "FLUX_KV_URL": redisURL, "FLUX_DB_URL": flux.databaseURL, "FLUX_RPC_HOST": "127.0.0.1",
            "FLUX_RPC_SECRET": SecureRandom.token(byteCount: 32),
            "FLUX_STATUS_ADDRESS": "127.0.0.1:\(statusPort)", "FLUX_VERIFY_ADDRESS": "127.0.0.1:\(verifyPort)",
            "FLUX_SECURITY_SCRYPT_LOG_N": "\(logN)", "FLUX_DB_SQLITE_SYNCHRONOUS": sqliteSynchronous,
        ]
        _ = try flux.spawn(["--role", "gate,status,verify"], common.merging([
            "FLUX_GATE_PORT": "\(flux.gatePort)", "FLUX_STATUS_RPC_PORT": "\(statusPort)", "FLUX_VERIFY_RPC_PORT": "\(verifyPort)",
        ]) { $1 }, log: "front")
        do {
            try await flux.waitForHTTP()
        } catch {
            try await flux.waitUntilUpOnFreePorts()  // rethrows as PortTaken when that is why
        }
        for name in ["chat-1", "chat-2"] {
            let chatPort = try freeLoopbackPort()
            let webSocketPort = try freeLoopbackPort()
            let process = try flux.spawn(["--role", "chat"], common.merging([
                "FLUX_CHAT_NAME": name, "FLUX_CHAT_PORT": "\(chatPort)", "FLUX_CHAT_WS_PORT": "\(webSocketPort)", "FLUX_CHAT_RPC_PORT": "\(try freeLoopbackPort())",
                "FLUX_CHAT_RENEW_INTERVAL": "0.5",
            ]) { $1 }, log: name)
            flux.nodes.append(Node(name: name, process: process, chatPort: chatPort, webSocketPort: webSocketPort))
        }
        try await flux.waitUntilUpOnFreePorts()
        // Both nodes must be registered with status before logins are spread.
        try await Task.sleep(for: .seconds(1))
        return flux
    }

    private static func temporaryFolder() throws -> String {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("flux-bench-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        return folder
    }

    private func spawn(
        _ arguments: [String], _ environment: [String: String], log: String, openFileLimit: Int? = nil, abuseLimits: Bool = false
    ) throws -> Process {
        let process = Process()
        if let openFileLimit {
            // The shell sets the limit, then becomes flux (same process id).
            process.executableURL = URL(fileURLWithPath: "/bin/sh")
            process.arguments = ["-c", "ulimit -n \(openFileLimit) && exec \"$0\" \"$@\"", Self.executable] + arguments
        } else {
            process.executableURL = URL(fileURLWithPath: Self.executable)
            process.arguments = arguments
        }
        var env = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("FLUX_") }
        env.merge([
            "FLUX_DATA_DIR": dataDirectory, "FLUX_GATE_HOST": "127.0.0.1", "FLUX_CHAT_HOST": "127.0.0.1",
            "FLUX_CHAT_CAPACITY": "1000000", "FLUX_LOG_LEVEL": "warning", "FLUX_METRICS_PORT": "0",
        ]) { $1 }
        if !abuseLimits { env.merge(Self.liftedLimits) { $1 } }
        env.merge(environment) { $1 }
        process.environment = env
        let logPath = "\(dataDirectory)/\(log).log"
        FileManager.default.createFile(atPath: logPath, contents: nil)
        process.standardOutput = FileHandle(forWritingAtPath: logPath)
        process.standardError = FileHandle(forWritingAtPath: logPath)
        try process.run()
        processes.append(process)
        return process
    }

    /// The load is one client address sending as fast as it can: these lift the abuse limits.
    private static let liftedLimits = [
        "FLUX_CHAT_TEXTS_PER_SECOND": "10000000", "FLUX_GROUP_TEXTS_PER_SECOND": "10000000", "FLUX_CHAT_MAX_CONNECTIONS_PER_ADDRESS": "10000000",
        "FLUX_CHAT_MAX_CONNECTIONS": "10000000", "FLUX_GATE_MAX_CONNECTIONS": "100000",
        "FLUX_CHAT_CONNECTIONS_PER_ADDRESS_PER_SECOND": "1000000", "FLUX_GATE_MAX_CONNECTIONS_PER_ADDRESS": "100000",
        "FLUX_GATE_MAX_LOGIN_FAILURES_PER_ADDRESS": "1000000",
        "FLUX_VERIFY_REQUESTS_PER_ADDRESS_PER_HOUR": "1000000", "FLUX_GATE_MAX_LOGIN_FAILURES": "1000000",
    ]

    private func waitForHTTP() async throws {
        let deadline = ContinuousClock.now.advanced(by: .seconds(30))
        while ContinuousClock.now < deadline {
            if let (_, response) = try? await URLSession.shared.data(from: URL(string: "http://\(gateHost):\(gatePort)/healthz")!),
                (response as? HTTPURLResponse)?.statusCode == 200
            {
                return
            }
            if processes.contains(where: { !$0.isRunning }) { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw BenchError(isExternal ? "no gate answers at \(gateHost):\(gatePort)" : "flux did not start; see the logs in \(dataDirectory)")
    }

    private func waitUntilUp() async throws {
        try await waitForHTTP()
        for node in nodes {
            let deadline = ContinuousClock.now.advanced(by: .seconds(30))
            while !loopbackAccepts(port: node.chatPort) {
                guard ContinuousClock.now < deadline, node.process.isRunning else {
                    throw BenchError("chat node \(node.name) did not start; see the logs in \(dataDirectory)")
                }
                try await Task.sleep(for: .milliseconds(100))
            }
        }
    }

    /// The heap in use (`flux_heap_in_use_bytes` of its /metrics) of the single Flux the bench started.
    func heapInUseBytes() async -> Int? {
        guard let metricsPort, let url = URL(string: "http://127.0.0.1:\(metricsPort)/metrics"),
            let (data, _) = try? await URLSession.shared.data(from: url)
        else { return nil }
        let line = String(decoding: data, as: UTF8.self).split(separator: "\n").first { $0.hasPrefix("flux_heap_in_use_bytes ") }
        return line.flatMap { Int($0.split(separator: " ").last ?? "") }
    }

    /// Resident memory of the chat node processes together.
    var chatResidentBytes: Int? {
        if isExternal { return externalPID.flatMap(ProcessMemory.residentBytes) }
        return nodes.reduce(0) { $0 + (ProcessMemory.residentBytes(of: $1.process.processIdentifier) ?? 0) }
    }

    /// Stops every process (SIGTERM, then SIGKILL) and removes the data folder.
    func stop() async {
        guard !isExternal else { return }
        for process in processes where process.isRunning { process.terminate() }
        for _ in 0..<100 where processes.contains(where: \.isRunning) {
            try? await Task.sleep(for: .milliseconds(50))
        }
        for process in processes where process.isRunning { kill(process.processIdentifier, SIGKILL) }
        try? FileManager.default.removeItem(atPath: dataDirectory)
    }
}
