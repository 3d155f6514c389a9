import Foundation

/// A parsed `FLUX_MAIL_SMTP_URL`: `smtp://[user[:password]@]host[:port][?tls=verify|insecure|off]`.
///
/// `tls=verify` (the default) and `insecure` both require STARTTLS: a server that does not offer it is
/// refused before any mail is sent. `verify` checks the certificate and host name; `insecure` encrypts
/// without checking (a self-signed relay). `off` never upgrades and sends in clear text. Credentials are
/// only sent over TLS or to a loopback host.
public struct SMTPURL: Sendable, Hashable {
    /// How the connection is protected.
    public enum TLSMode: String, Sendable, Hashable {
        /// STARTTLS required, certificate and host name checked.
        case verify
        /// STARTTLS required, certificate not checked: encrypted, but not protected from a man in the middle.
        case insecure
        /// Never STARTTLS: the mail goes in clear text.
        case off
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
