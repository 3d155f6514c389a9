/// How big and how long each scenario runs.
public struct BenchOptions: Sendable {
    /// Friend pairs for the relay scenarios.
    public var pairs = 16
    /// Unacknowledged texts a sender may have in flight.
    public var window = 32
    /// Seconds measured (after `warmup`).
    public var duration: Double = 10
    public var warmup: Double = 2
    /// Texts per second over all pairs; nil sends as fast as the window allows.
    public var rate: Double?
    /// Logged-in connections of the idle scenario.
    public var connections = 10_000
    /// Concurrent login loops of the login scenario.
    public var loginConcurrency = 8
    /// scrypt cost (2^logN) of the bench users' passwords in the login scenario.
    public var loginScryptLogN = 15
    /// Groups of the group scenario, and members in each (the first sends, the others receive).
    public var groups = 100
    public var members = 50
    /// Stalled HTTP connections of the flood scenario, and the honest logins timed before and during it.
    public var stalled = 1100
    public var floodLogins = 20
    /// Redis for cluster-relay (`redis://host:port/db`); nil starts a `redis-server` from PATH.
    public var redisURL: String?

    /// How the load connects to chat nodes (relay, cluster-relay, idle).
    public var transport = BenchTransport.tcp

    /// SQLite `synchronous` of the Flux under test: `full` (every commit on disk) or `normal`.
    public var sqliteSynchronous = "full"

    /// cluster-relay: the store the cluster uses (`mysql://…`: MariaDB, the database is created if
    /// missing); nil: one SQLite file.
    public var clusterDatabaseURL: String?

    /// A running Flux to measure instead of one the bench starts.
    public var target: Target?

    /// `--target`: the gate's `host:port`, the store URL the target uses (the bench creates its users
    /// there, as `flux admin users create` does), and optionally the chat process id for memory figures.
    public struct Target: Sendable {
        public var gate: String
        public var databaseURL: String
        public var pid: Int32?

        public init(gate: String, databaseURL: String, pid: Int32?) {
            self.gate = gate
            self.databaseURL = databaseURL
            self.pid = pid
        }
    }

    public init() {}
}
