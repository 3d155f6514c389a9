import Foundation
import Logging
import NIOPosix

/// Sends mail through an SMTP server: EHLO, STARTTLS (required unless `tls=off`), AUTH PLAIN when
/// credentials are given, then one message. Each send is one blocking conversation on `threadPool`.
public struct SMTPMailer: Mailer {
    public let url: SMTPURL
    private let threadPool: NIOThreadPool
    private let logger: Logger
    private let timeoutSeconds: Int

    public init(url: SMTPURL, threadPool: NIOThreadPool, logger: Logger, timeoutSeconds: Int = 15) {
        self.url = url
        self.threadPool = threadPool
        self.logger = logger
        self.timeoutSeconds = timeoutSeconds
    }

    public func send(_ message: MailMessage) async throws(MailError) {
        let url = self.url
        let timeout = timeoutSeconds
        do {
            try await threadPool.runIfActive { try Self.deliver(message, via: url, timeoutSeconds: timeout) }
        } catch let error as MailError {
            throw error
        } catch {
            throw MailError("\(error)")
        }
        logger.info("mail sent", metadata: ["to": "\(message.to)", "smtp": "\(url.host):\(url.port)"])
    }

    private static func deliver(_ message: MailMessage, via url: SMTPURL, timeoutSeconds: Int) throws(MailError) {
        let connection = try SMTPConnection(host: url.host, port: url.port, timeoutSeconds: timeoutSeconds)
        _ = try connection.readReply(expect: 220...220, after: "connect")
        let helloName = ProcessInfo.processInfo.hostName.isEmpty ? "localhost" : ProcessInfo.processInfo.hostName
        var extensions = try connection.command("EHLO \(helloName)", expect: 250...250).lines
        if url.tls != .off {
            // No fallback to clear text: a server (or a man in the middle stripping the offer) without
            // STARTTLS gets nothing, not the code. Only an explicit tls=off sends in the clear.
            guard extensions.contains(where: { $0.uppercased().hasPrefix("STARTTLS") }) else {
                _ = try? connection.command("QUIT", expect: 221...221)
                throw MailError(
                    "SMTP server \(url.host):\(url.port) offers no STARTTLS; tls=\(url.tls.rawValue) never sends mail in clear text (tls=off would)")
            }
            try connection.command("STARTTLS", expect: 220...220)
            try connection.startTLS(verify: url.tls == .verify)
            extensions = try connection.command("EHLO \(helloName)", expect: 250...250).lines
        }
        if let user = url.user {
            guard connection.isTLS || url.isLoopback else {
                throw MailError("refusing to send SMTP credentials to \(url.host) without TLS")
            }
            let token = Data("\0\(user)\0\(url.password ?? "")".utf8).base64EncodedString()
            try connection.command("AUTH PLAIN \(token)", expect: 235...235)
        }
        try connection.command("MAIL FROM:<\(MailMessage.bareAddress(message.from))>", expect: 250...250)
        try connection.command("RCPT TO:<\(MailMessage.bareAddress(message.to))>", expect: 250...251)
        try connection.command("DATA", expect: 354...354)
        // Dot-stuffing: a line starting with "." gets a second one.
        let text = message.rendered()
            .split(separator: "\r\n", omittingEmptySubsequences: false)
            .map { $0.hasPrefix(".") ? "." + $0 : String($0) }
            .joined(separator: "\r\n")
        try connection.write(text)
        try connection.command(".", expect: 250...250)
        _ = try? connection.command("QUIT", expect: 221...221)
    }
}
