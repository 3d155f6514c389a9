/// Delivers e-mail. Implementations: `OutboxMailer` (development) and `SMTPMailer`.
public protocol Mailer: Sendable {
    /// Delivers `message`, or throws `MailError`.
    func send(_ message: MailMessage) async throws(MailError)
}

/// A mail could not be delivered.
public struct MailError: Error, Sendable, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { "MailError: \(message)" }
}
