import Logging
import Synchronization

/// Log lines kept in memory, to check what a server says.
public final class CapturedLogs: Sendable {
    private let storage = Mutex<[String]>([])
    private let started = ContinuousClock.now

    public init() {}

    public var logger: Logger {
        Logger(label: "captured") { _ in Handler(logs: self) }
    }

    public var lines: [String] { storage.withLock { $0 } }

    /// Appends `line`, prefixed with the milliseconds since the capture began (to read a failure's timing).
    public func append(_ line: String) {
        let elapsed = started.duration(to: .now)
        let millis = elapsed.components.seconds * 1_000 + elapsed.components.attoseconds / 1_000_000_000_000_000
        storage.withLock { $0.append("+\(millis)ms \(line)") }
    }

    /// Waits (bounded) for a line containing `text`.
    public func waitFor(_ text: String, timeout: Duration = .seconds(10)) async throws {
        guard await eventually(within: timeout, { lines.contains(where: { $0.contains(text) }) }) else {
            throw CapturedLogsTimeout(text: text, lines: lines)
        }
    }

    struct Handler: LogHandler {
        let logs: CapturedLogs
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .debug

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            let fields = (metadata.merging(event.metadata ?? [:]) { _, new in new }).map { "\($0.key)=\($0.value)" }.sorted()
            logs.append("\(event.level) \(event.message) \(fields.joined(separator: " "))")
        }
    }
}

public struct CapturedLogsTimeout: Error, CustomStringConvertible {
    let text: String
    let lines: [String]
    public var description: String { "no log line with '\(text)' in: \(lines)" }
}
