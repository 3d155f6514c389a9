import FluxChat
import FluxCrypto
import FluxGate
import FluxStatus
import FluxVerify
import Logging

/// Everything a `flux` process needs to start, with a default for every field (the `--role all`
/// development setup). Built by `ConfigurationLoader` from the file, the environment and flags.
public struct FluxConfiguration: Sendable {
    public var roles: Set<Role> = Set(Role.allCases)
    /// Folder for the SQLite file and the dev outbox.
    public var dataDirectory: String = "./flux-data"
    /// `sqlite://PATH`; nil means `sqlite://<data-dir>/flux.sqlite`.
    public var databaseURL: String?
    /// `memory:` (one process) — Redis comes with split deployments.
    public var keyValueURL: String = "memory:"
    /// `smtp://…`; nil uses the dev mailer (log + outbox).
    public var smtpURL: SMTPURL?
    public var logLevel: Logger.Level = .info
    public var passwordParameters: PasswordHasher.Parameters = .standard

    public var gate = GateConfiguration()
    public var chat = ChatConfiguration()
    public var status = StatusConfiguration()
    public var verify = VerifyConfiguration()

    public init() {}

    /// The effective database URL.
    public var effectiveDatabaseURL: String {
        databaseURL ?? "sqlite://\(dataDirectory)/flux.sqlite"
    }

    /// Where the dev mailer writes `.eml` files.
    public var outboxDirectory: String { "\(dataDirectory)/outbox" }
}
