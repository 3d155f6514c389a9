import Foundation
import Logging
import NIOPosix

/// The development mailer: logs each mail's text and writes it as an RFC 5322 `.eml` file to an outbox
/// folder, so a developer (or a test) can read the code without a mail server.
public struct OutboxMailer: Mailer {
    public let folder: String
    private let logger: Logger
    private let threadPool: NIOThreadPool

    /// Mails go to `folder`, created if needed; file writes run on `threadPool`.
    public init(folder: String, threadPool: NIOThreadPool, logger: Logger) {
        self.folder = folder
        self.threadPool = threadPool
        self.logger = logger
    }

    public func send(_ message: MailMessage) async throws(MailError) {
        let folder = self.folder
        let stamp = Int64(message.date.timeIntervalSince1970 * 1000)
        let name = "\(stamp)-\(UUID().uuidString.lowercased()).eml"
        let path = (folder as NSString).appendingPathComponent(name)
        do {
            try await threadPool.runIfActive {
                try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
                let temporary = path + ".tmp"
                try Data(message.rendered().utf8).write(to: URL(fileURLWithPath: temporary))
                // Rename so a reader never sees a half-written file.
                try FileManager.default.moveItem(atPath: temporary, toPath: path)
            }
        } catch {
            throw MailError("cannot write \(path): \(error)")
        }
        logger.notice(
            // The code stays in the file: logs never carry codes, tokens or passwords.
            "dev mailer: mail written to outbox (no SMTP configured)",
            metadata: ["to": "\(message.to)", "file": "\(path)"]
        )
    }
}
