import ArgumentParser
import FluxBench
import Foundation

/// `flux bench SCENARIO`: the load generator and its figures.
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure Flux: relay, idle, login, cluster-relay, group, flood, baseline, or all.",
        discussion: """
            Each scenario starts what it measures from this binary on loopback (flux --role all; for
            cluster-relay a front process, two chat nodes and Redis) and drives it over real sockets;
            relay, idle and login can measure a running Flux instead (--target GATE --db STORE [--pid PID]).
            relay and cluster-relay also run baseline (a minimal NIO relay inside the bench) with the same
            load, so their figure is read as a share of this machine's ceiling. Build with -c release.
            """)

    @Argument(help: "relay, idle, login, cluster-relay, group, flood, baseline or all") var scenario: String
    @Option(help: "Groups (group).") var groups = 100
    @Option(help: "Members per group, 2–500; the first sends (group).") var members = 50
    @Option(help: "Friend pairs sending texts (relay scenarios).") var pairs = 16
    @Option(help: "Unacknowledged texts per sender.") var window = 32
    @Option(help: "Texts per second over all pairs (default: as fast as the window allows).") var rate: Double?
    @Option(help: "Seconds measured.") var duration: Double = 10
    @Option(help: "Seconds of warm-up before measuring.") var warmup: Double = 2
    @Option(help: "Logged-in connections (idle).") var connections = 10_000
    @Option(help: "Concurrent login loops (login).") var loginConcurrency = 8
    @Option(help: "scrypt cost 2^N of the users' passwords (login, flood).") var scryptLogN = 15
    @Option(help: "Stalled HTTP connections one client holds (flood).") var stalled = 1100
    @Option(help: "Honest logins timed before and during the flood (flood).") var floodLogins = 20
    @Option(help: "How the load connects to chat nodes: tcp or ws (WebSocket; relay, cluster-relay, idle).") var transport = "tcp"
    @Option(help: "Redis for cluster-relay (default: start redis-server from PATH).") var redis: String?
    @Option(help: "Measure a running Flux: host:port of its gate (with --db; relay, idle and login).") var target: String?
    @Option(help: "With --target: the store URL the target uses (bench users are created there); with cluster-relay alone: the store its cluster uses (mysql://…).") var db: String?
    @Option(help: "With --target: process id of its chat node, for the memory figures.") var pid: Int32?
    @Option(help: "SQLite synchronous mode of the Flux under test: full (every commit on disk) or normal.")
    var sqliteSynchronous = "full"
    @Flag(help: "Print JSON instead of tables.") var json = false

    func validate() throws {
        guard BenchTransport(rawValue: transport) != nil else { throw ValidationError("--transport is tcp or ws") }
        guard Bench.scenarios.contains(scenario) || scenario == "all" else {
            throw ValidationError("unknown scenario '\(scenario)': one of \((Bench.scenarios + ["all"]).joined(separator: ", "))")
        }
        guard pairs > 0, window > 0, duration > 0, warmup >= 0, connections > 0, loginConcurrency > 0, (10...20).contains(scryptLogN),
            stalled > 0, floodLogins > 0
        else {
            throw ValidationError("sizes and durations must be positive; --scrypt-log-n 10…20")
        }
        guard target == nil || db != nil else { throw ValidationError("--target needs --db (the store the target uses)") }
        if target == nil, db != nil, scenario != "cluster-relay" {
            throw ValidationError("--db without --target is the store of cluster-relay's cluster (e.g. mysql://flux:pw@127.0.0.1:3306/flux_bench)")
        }
        if target != nil, !["relay", "idle", "login"].contains(scenario) {
            throw ValidationError("--target works with relay, idle and login (the others start their own servers)")
        }
        guard groups > 0, (2...500).contains(members) else { throw ValidationError("--groups must be positive; --members 2…500") }
        guard ["full", "normal"].contains(sqliteSynchronous) else { throw ValidationError("--sqlite-synchronous is full or normal") }
    }

    func run() async throws {
        var options = BenchOptions()
        options.pairs = pairs
        options.window = window
        options.rate = rate
        options.duration = duration
        options.warmup = warmup
        options.connections = connections
        options.groups = groups
        options.members = members
        options.loginConcurrency = loginConcurrency
        options.loginScryptLogN = scryptLogN
        options.stalled = stalled
        options.floodLogins = floodLogins
        options.redisURL = redis
        options.transport = BenchTransport(rawValue: transport) ?? .tcp
        options.sqliteSynchronous = sqliteSynchronous
        if let target, let db { options.target = BenchOptions.Target(gate: target, databaseURL: db, pid: pid) }
        if target == nil { options.clusterDatabaseURL = db }
        let results: [BenchResult]
        do {
            results = try await Bench.run(scenario, options: options) { line in
                FileHandle.standardError.write(Data("bench: \(line)\n".utf8))
            }
        } catch {
            throw AdminFailure("bench \(scenario) failed: \(error)")
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
            print(String(decoding: try encoder.encode(results), as: UTF8.self))
        } else {
            print(results.map(\.table).joined(separator: "\n\n"))
        }
    }
}
