import Foundation

/// The Redis a cluster-relay run uses: the one given, or a `redis-server` the bench starts on a free
/// loopback port and stops afterwards.
struct BenchRedis: Sendable {
    let url: String
    private let process: Process?

    static func start(_ given: String?) async throws -> BenchRedis {
        if let given { return BenchRedis(url: given, process: nil) }
        let port = try freeLoopbackPort()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["redis-server", "--port", "\(port)", "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            throw BenchError("cluster-relay needs Redis: pass --redis redis://host:port/db or install redis-server")
        }
        for _ in 0..<100 {
            if loopbackAccepts(port: port) { return BenchRedis(url: "redis://127.0.0.1:\(port)/0", process: process) }
            if !process.isRunning { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        kill(process.processIdentifier, SIGKILL)
        throw BenchError("redis-server did not start on port \(port)")
    }

    /// SIGKILL: a throwaway server with nothing to save, and a child may have inherited a blocked SIGTERM.
    func stop() {
        if let process, process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }
}
