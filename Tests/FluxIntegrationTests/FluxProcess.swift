import Foundation
import FluxTestSupport

/// The built `flux` binary run as a child process with its own data folder.
final class FluxProcess: Sendable {
    private let process: ChildProcess
    private let logPath: String
    let dataDirectory: String

    private init(process: ChildProcess, logPath: String, dataDirectory: String) {
        self.process = process
        self.logPath = logPath
        self.dataDirectory = dataDirectory
    }

    /// Where `swift build` put `flux`: next to the test bundle, or `FLUX_BINARY`.
    static var binary: String {
        if let path = ProcessInfo.processInfo.environment["FLUX_BINARY"] { return path }
        let executable = Bundle.main.executableURL ?? URL(fileURLWithPath: CommandLine.arguments[0])
        var folder = executable.deletingLastPathComponent()
        // Inside an .xctest bundle on some platforms: climb out of it.
        while folder.pathExtension == "xctest" || folder.lastPathComponent == "Contents" || folder.lastPathComponent == "MacOS" {
            folder = folder.deletingLastPathComponent()
        }
        return folder.appendingPathComponent("flux").path
    }

    /// Starts `flux`; with `dataDirectory`, reuses that folder (a restart) instead of a new one; with
    /// `openFileLimit`, under that descriptor limit (soft and hard).
    static func start(
        _ arguments: [String], environment: [String: String] = [:], dataDirectory: String? = nil, openFileLimit: Int? = nil
    ) throws -> FluxProcess {
        let dataDirectory = dataDirectory
            ?? TestFolder.path("flux-proc")
        try FileManager.default.createDirectory(atPath: dataDirectory, withIntermediateDirectories: true)
        let logPath = dataDirectory + "/stderr-\(UUID().uuidString.prefix(8)).log"
        FileManager.default.createFile(atPath: logPath, contents: nil)
        let process = ChildProcess()
        if let openFileLimit {
            process.executableURL = URL(fileURLWithPath: "/bin/sh")
            process.arguments = ["-c", "ulimit -n \(openFileLimit) && exec \"$0\" \"$@\"", binary] + arguments
        } else {
            process.executableURL = URL(fileURLWithPath: binary)
            process.arguments = arguments
        }
        process.environment = baseEnvironment(dataDirectory).merging(environment) { _, new in new }
        process.standardOutput = FileHandle(forWritingAtPath: logPath)
        process.standardError = FileHandle(forWritingAtPath: logPath)
        try process.run()
        return FluxProcess(process: process, logPath: logPath, dataDirectory: dataDirectory)
    }

    /// Runs to completion and returns the exit status, standard output and standard error. The waiting
    /// happens on a thread of its own: blocking a cooperative-pool thread (2 on a 2-core machine) would
    /// starve the in-process servers the command talks to.
    static func runToEnd(_ arguments: [String], environment: [String: String] = [:]) async throws -> (status: Int32, output: String, errors: String) {
        try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread {
                continuation.resume(with: Result { try runToEndBlocking(arguments, environment: environment) })
            }
        }
    }

    private static func runToEndBlocking(_ arguments: [String], environment: [String: String]) throws -> (status: Int32, output: String, errors: String) {
        let dataDirectory = TestFolder.path("flux-proc")
        let process = ChildProcess()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = arguments
        process.environment = baseEnvironment(dataDirectory).merging(environment) { _, new in new }
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        // Standard error is read on another thread so neither pipe can fill up and stall the child.
        let errorData = LockedData()
        let errorsRead = DispatchSemaphore(value: 0)
        let errorReader = Thread {
            errorData.set(errors.fileHandleForReading.readDataToEndOfFile())
            errorsRead.signal()
        }
        errorReader.start()
        let outData = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        errorsRead.wait()
        try? FileManager.default.removeItem(atPath: dataDirectory)
        return (process.terminationStatus, String(decoding: outData, as: UTF8.self), String(decoding: errorData.value, as: UTF8.self))
    }

    private static func baseEnvironment(_ dataDirectory: String) -> [String: String] {
        [
            "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin",
            "FLUX_DATA_DIR": dataDirectory,
            "FLUX_SECURITY_SCRYPT_LOG_N": "10",
            "FLUX_CHAT_HOST": "127.0.0.1",
            "FLUX_CHAT_PORT": "0",
            "FLUX_CHAT_WS_PORT": "0",
            "FLUX_STATUS_RPC_PORT": "0",
            "FLUX_METRICS_PORT": "0",
        ]
    }

    var logText: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    func waitForLog(_ text: String, timeout: Duration = .seconds(15)) async throws {
        _ = await eventually(within: timeout, every: .milliseconds(50)) { logText.contains(text) || !process.isRunning }
        if logText.contains(text) { return }
        if !process.isRunning { throw FluxProcessError("flux exited before logging '\(text)': \(logText)") }
        throw FluxProcessError("flux did not log '\(text)' in time: \(logText)")
    }

    func signal(_ signal: Int32) {
        Foundation.kill(process.processIdentifier, signal)
    }

    func waitForExit(timeout: Duration = .seconds(15)) async throws -> Int32 {
        guard await eventually(within: timeout, every: .milliseconds(50), { !process.isRunning }) else {
            throw FluxProcessError("flux did not exit in time: \(logText)")
        }
        return process.terminationStatus
    }

    /// SIGKILL, keeping the data folder (for a restart).
    func crash() async {
        if process.isRunning { Foundation.kill(process.processIdentifier, SIGKILL) }
        _ = await eventually(within: .seconds(4)) { !process.isRunning }
    }

    /// SIGKILL if still running, and removes the data folder.
    func kill() {
        if process.isRunning { Foundation.kill(process.processIdentifier, SIGKILL) }
        try? FileManager.default.removeItem(atPath: dataDirectory)
    }
}

struct FluxProcessError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Data handed from a reader thread.
private final class LockedData: @unchecked Sendable {
    // @unchecked: every access goes through `lock`.
    private let lock = NSLock()
    private var data: Data?

    func set(_ value: Data) { lock.withLock { data = value } }
    var value: Data { lock.withLock { data ?? Data() } }
}
