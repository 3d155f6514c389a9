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

    /// The address the RPC listeners of a split process bind to.
    public var rpcHost: String = "0.0.0.0"
    /// Each role that serves RPC in a split deployment listens on its own port.
    public var statusRPCPort: Int = 8070
    public var verifyRPCPort: Int = 8071
    public var chatRPCPort: Int = 8091
    /// Where to reach the status role when it runs in another process (`host:port` of its RPC listener).
    public var statusAddress: String = "127.0.0.1:8070"
    /// Where to reach the verify role when it runs in another process.
    public var verifyAddress: String = "127.0.0.1:8071"
    /// The RPC address other chat nodes use for this one; nil = the chat advertise host and the bound RPC port.
    public var chatRPCAdvertise: String?

    /// Every role in one process: in-process calls, no RPC listener.
    public var isSingleProcess: Bool { roles == Set(Role.allCases) }

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
