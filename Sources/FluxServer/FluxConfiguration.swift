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
    /// SQLite only: flush every commit to disk before acknowledging (`full`, the default), or only at
    /// checkpoints (`normal`: faster commits; an acknowledged text survives a process crash, not a power loss).
    public var sqliteSynchronousFull = true
    /// `memory:` (one process) — Redis comes with split deployments.
    public var keyValueURL: String = "memory:"
    /// `smtp://…`; nil uses the dev mailer (log + outbox).
    public var smtpURL: SMTPURL?
    public var logLevel: Logger.Level = .info
    public var passwordParameters: PasswordHasher.Parameters = .standard

    /// The address the RPC listeners bind to. Required when roles are split (no wildcard default);
    /// loopback only for `--role all` (where only `flux admin` on the same host uses it).
    public var rpcHost: String?
    /// The cluster secret every RPC connection proves (`rpc.secret`, `FLUX_RPC_SECRET` or the contents of
    /// `rpc.secret_file`); nil with `--role all` means a random one kept in `<data.dir>/rpc.secret`.
    public var rpcSecret: [UInt8]?
    /// Mutual TLS for RPC: this process's certificate, its key and the cluster CA (PEM files).
    public var rpcTLSFiles: (certificate: String, key: String, ca: String)?
    /// Where `GET /metrics` is served (never on the public gate port): loopback by default; port 0 picks a
    /// free port.
    public var metricsHost: String = "127.0.0.1"
    public var metricsPort: Int = 9464
    /// Free memory, in MiB, that the allocator may pile up before the process hands it back to the system
    /// (`HeapTrimPolicy`); 0: never.
    public var memoryTrimThresholdMiB: Int = 16
    /// Each role that serves RPC in a split deployment listens on its own port.
    public var statusRPCPort: Int = 8070
    public var verifyRPCPort: Int = 8071
    public var chatRPCPort: Int = 8091
    /// Where to reach the status role when it runs in another process (`host:port` of each status
    /// process's RPC listener; calls fail over between them).
    public var statusAddresses: [String] = ["127.0.0.1:8070"]
    /// Where to reach the verify role when it runs in another process (fail-over as for status).
    public var verifyAddresses: [String] = ["127.0.0.1:8071"]
    /// The RPC address other chat nodes use for this one; nil = the chat advertise host and the bound RPC port.
    public var chatRPCAdvertise: String?

    /// Every role in one process: in-process calls; only the status role's RPC listener (for `flux admin`).
    public var isSingleProcess: Bool { roles == Set(Role.allCases) }

    /// The address the RPC listeners bind to.
    public var effectiveRPCHost: String { rpcHost ?? "127.0.0.1" }

    /// Where `--role all` keeps its generated cluster secret (and `flux admin` finds it).
    public var generatedSecretPath: String { "\(dataDirectory)/rpc.secret" }

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
