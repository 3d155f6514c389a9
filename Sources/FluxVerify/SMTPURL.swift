import Foundation

/// A parsed `FLUX_MAIL_SMTP_URL`: `smtp://[user[:password]@]host[:port][?tls=verify|insecure|off]`.
///
/// STARTTLS is used whenever the server offers it (`tls=verify`, the default, checks the certificate;
/// `insecure` does not; `off` never upgrades). Credentials are only sent over TLS or to a loopback host.
public struct SMTPURL: Sendable, Hashable {
    public enum TLSMode: String, Sendable, Hashable {
        case verify, insecure, off
    }

    public var host: String
    public var port: Int
    public var user: String?
    public var password: String?
    public var tls: TLSMode

    /// Parses `text`, or throws a message saying what is wrong.
    public init(parsing text: String) throws(MailError) {
        guard let components = URLComponents(string: text), components.scheme == "smtp" else {
            throw MailError("expected smtp://[user:password@]host:port, got '\(text)'")
        }
        guard let host = components.host, !host.isEmpty else { throw MailError("no host in SMTP URL") }
        self.host = host
        self.port = components.port ?? 25
        guard (1...65535).contains(port) else { throw MailError("SMTP port \(port) out of range") }
        // URLComponents has already percent-decoded these.
        self.user = components.user
        self.password = components.password
        let mode = components.queryItems?.first(where: { $0.name == "tls" })?.value ?? "verify"
        guard let tls = TLSMode(rawValue: mode) else {
            throw MailError("tls=\(mode) in SMTP URL: expected verify, insecure or off")
        }
        self.tls = tls
    }

    /// Whether the host is a loopback address, where sending credentials without TLS is acceptable.
    var isLoopback: Bool {
        host == "localhost" || host.hasPrefix("127.") || host == "::1"
    }
}
