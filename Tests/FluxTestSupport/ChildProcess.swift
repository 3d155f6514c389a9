import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A child process started with `posix_spawn`, with the part of Foundation's `Process` interface the tests
/// use (so a call site reads the same).
///
/// Not Foundation's `Process`: on Linux its `run()` lists /proc/self/fd with a read that can run past
/// glibc's directory buffer (swift-corelibs-foundation#5472). The parallel suite holds 1,300 descriptors
/// and more at its start, where that over-read crashed the test process in memcpy now and then. Here the
/// child closes every inherited descriptor above stderr with `posix_spawn_file_actions_addclosefrom_np`
/// (glibc 2.34), without listing them.
public final class ChildProcess: @unchecked Sendable {
    // @unchecked: the configuration is set before `run()` on one thread and only read after it; the
    // exit status is behind `status`, a Mutex.
    public var executableURL: URL?
    public var arguments: [String]?
    /// The child's environment; nil inherits this process's.
    public var environment: [String: String]?
    /// A `FileHandle` or a `Pipe`; nil is /dev/null.
    public var standardOutput: Any?
    public var standardError: Any?

    public private(set) var processIdentifier: pid_t = 0
    private let status = Mutex<Int32?>(nil)

    public init() {}

    public func run() throws {
        guard let path = executableURL?.path else { throw ChildProcessError("no executable") }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0)
        for (target, stream) in [(STDOUT_FILENO, standardOutput), (STDERR_FILENO, standardError)] {
            if let descriptor = Self.writeDescriptor(stream) {
                posix_spawn_file_actions_adddup2(&actions, descriptor, target)
            } else {
                posix_spawn_file_actions_addopen(&actions, target, "/dev/null", O_WRONLY, 0)
            }
        }
        guard let closeFrom = Self.addCloseFrom, closeFrom(&actions, 3) == 0 else {
            throw ChildProcessError("posix_spawn_file_actions_addclosefrom_np is missing (glibc 2.34 or later is needed)")
        }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // A process group of its own, as Foundation's Process does: a terminal's Ctrl-C is not its.
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP))

        let argv = ([path] + (arguments ?? [])).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        let pairs = (environment ?? ProcessInfo.processInfo.environment).map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { pairs.forEach { free($0) } }
        var pid: pid_t = 0
        let result = posix_spawn(&pid, path, &actions, &attributes, argv, pairs)
        guard result == 0 else { throw ChildProcessError("cannot start \(path): \(String(cString: strerror(result)))") }
        processIdentifier = pid
        // The child has its copies of the pipes' write ends: closing ours lets readers see the end.
        for stream in [standardOutput, standardError] {
            (stream as? Pipe)?.fileHandleForWriting.closeFile()
        }
    }

    /// Whether the child has not exited yet (it is reaped here when it has).
    public var isRunning: Bool {
        status.withLock { status in
            guard status == nil, processIdentifier > 0 else { return false }
            var raw: Int32 = 0
            let reaped = waitpid(processIdentifier, &raw, WNOHANG)
            if reaped == processIdentifier {
                status = Self.exitCode(raw)
            } else if reaped < 0, errno == ECHILD {
                status = -1
            }
            return status == nil
        }
    }

    /// The exit code, or the signal number that ended the child; -1 before it exits.
    public var terminationStatus: Int32 {
        _ = isRunning
        return status.withLock { $0 } ?? -1
    }

    public func terminate() {
        if isRunning { kill(processIdentifier, SIGTERM) }
    }

    /// Blocks until the child exits (call it off the cooperative pool).
    public func waitUntilExit() {
        _ = eventuallyBlocking(within: .seconds(365 * 86_400), every: .milliseconds(5)) { !isRunning }
    }

    private static func exitCode(_ raw: Int32) -> Int32 {
        let signal = raw & 0x7F
        return signal == 0 ? (raw >> 8) & 0xFF : signal
    }

    private static func writeDescriptor(_ stream: Any?) -> Int32? {
        switch stream {
        case let pipe as Pipe: pipe.fileHandleForWriting.fileDescriptor
        case let handle as FileHandle where handle.fileDescriptor >= 0: handle.fileDescriptor  // not FileHandle.nullDevice
        default: nil
        }
    }

    /// glibc's `posix_spawn_file_actions_addclosefrom_np`, which the Glibc module does not export.
    private static let addCloseFrom: (@convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32)? = {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addclosefrom_np") else { return nil }
        return unsafeBitCast(symbol, to: (@convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32).self)
    }()
}

/// A child process could not be started.
public struct ChildProcessError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
