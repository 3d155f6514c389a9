import ArgumentParser
import FluxContracts
import FluxProtocol
import FluxRPC
import FluxServer
import Foundation
import Logging

/// Reaching the running cluster: the status role's RPC listener (`status.address`, or `--status`),
/// authenticated with the configured cluster secret (or the one `--role all` keeps in its data folder).
struct ClusterOptions: ParsableArguments {
    @Option(name: .customLong("status"), help: "host:port of the status role's RPC listener (default: status.address, 127.0.0.1:8070).")
    var statusAddress: String?

    /// The admin API of the cluster the configuration names.
    func connect(_ configuration: FluxConfiguration) throws -> AdminRPCClient {
        let addresses = statusAddress.map { [$0] } ?? configuration.statusAddresses
        var logger = Logger(label: "flux-admin")
        logger.logLevel = .critical
        guard let security = try RPCSecurityLoader.loadForAdmin(configuration) else {
            throw ValidationError(
                "no cluster secret: set rpc.secret (FLUX_RPC_SECRET) or rpc.secret_file, or run on the host of flux --role all with its data.dir")
        }
        var clients: [RPCClient] = []
        for address in addresses {
            guard let client = RPCClient(address: address, security: security, timeout: .seconds(10), logger: logger) else {
                throw ValidationError("--status must be host:port, not '\(address)'")
            }
            clients.append(client)
        }
        return AdminRPCClient(client: RPCFailoverClient(peers: clients, logger: logger))
    }
}

extension FluxError {
    /// An admin command failed against the cluster: exit 1 with the reason.
    var adminFailure: AdminFailure {
        code == .rpcFailed ? AdminFailure("cluster unreachable or failed: \(reason)") : AdminFailure(reason)
    }
}

/// A chat node as `flux admin nodes` prints it.
struct NodeView: Encodable, TableRow {
    var name: String
    var address: String
    var rpcAddress: String?
    var sessions: Int
    var capacity: Int
    var load: Double
    var draining: Bool
    var renewedSecondsAgo: Double
    var messagesPerSecond: Double
    var messagesIn: Int64
    var messagesOut: Int64

    static let columns = ["name", "address", "sessions", "capacity", "load", "renewed", "draining", "msg/s"]

    init(_ report: ChatNodeReport) {
        name = report.name
        address = "\(report.host):\(report.port)"
        rpcAddress = report.rpcAddress
        sessions = report.sessions
        capacity = report.capacity
        load = (report.load * 1000).rounded() / 1000
        draining = report.draining
        renewedSecondsAgo = ((report.renewedSecondsAgo ?? 0) * 10).rounded() / 10
        messagesPerSecond = ((report.messagesPerSecond ?? 0) * 10).rounded() / 10
        messagesIn = report.messagesIn ?? 0
        messagesOut = report.messagesOut ?? 0
    }

    var cells: [String] {
        [name, address, "\(sessions)", "\(capacity)", String(format: "%.3f", load), String(format: "%.1fs ago", renewedSecondsAgo),
         draining ? "yes" : "no", String(format: "%.1f", messagesPerSecond)]
    }
}

/// A session as `flux admin sessions` prints it.
struct SessionView: Encodable, TableRow {
    var uid: Int64
    var node: String
    var session: String
    var remote: String
    var connected: String
    var queued: Int

    static let columns = ["uid", "node", "remote", "connected", "queued"]

    init(_ summary: SessionSummary) {
        uid = summary.uid
        node = summary.node
        session = summary.session
        remote = summary.remote
        connected = adminTime(milliseconds: summary.connectedAt)
        queued = summary.queued
    }

    var cells: [String] { ["\(uid)", node, remote, connected, "\(queued)"] }
}

/// `flux admin nodes …`: the chat nodes status knows.
struct AdminNodes: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "nodes", abstract: "List the live chat nodes, or drain one before maintenance.",
        subcommands: [List.self, Drain.self, Undrain.self], defaultSubcommand: List.self)

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Chat nodes with address, sessions, capacity, last renewal and draining.")
        @OptionGroup var common: CommonOptions
        @OptionGroup var cluster: ClusterOptions
        @OptionGroup var output: OutputOptions

        func run() async throws {
            let admin = try cluster.connect(try await common.load(roles: "all"))
            do {
                output.print(try await admin.nodes().map(NodeView.init), columns: NodeView.columns)
            } catch {
                throw error.adminFailure
            }
        }
    }

    struct Drain: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Stop assigning NAME; tell its clients to reconnect elsewhere (1119) and close the rest after --grace.")
        @OptionGroup var common: CommonOptions
        @OptionGroup var cluster: ClusterOptions
        @OptionGroup var output: OutputOptions
        @Argument(help: "chat node name") var name: String
        @Option(help: "Seconds clients get to move before the node closes their connections.") var grace: Double = 10

        func validate() throws {
            guard (0...3600).contains(grace) else { throw ValidationError("--grace must be 0…3600 seconds") }
        }

        func run() async throws {
            try await AdminNodes.setDraining(name, true, grace: grace, common, cluster, output)
        }
    }

    struct Undrain: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Let status assign NAME again.")
        @OptionGroup var common: CommonOptions
        @OptionGroup var cluster: ClusterOptions
        @OptionGroup var output: OutputOptions
        @Argument(help: "chat node name") var name: String

        func run() async throws {
            try await AdminNodes.setDraining(name, false, grace: 0, common, cluster, output)
        }
    }

    static func setDraining(
        _ name: String, _ draining: Bool, grace: Double, _ common: CommonOptions, _ cluster: ClusterOptions, _ output: OutputOptions
    ) async throws {
        let admin = try cluster.connect(try await common.load(roles: "all"))
        let result: DrainResult
        do {
            result = try await admin.drain(node: name, draining: draining, graceSeconds: grace)
        } catch {
            throw error.adminFailure
        }
        if output.json {
            output.print([NodeView(result.node)], columns: NodeView.columns)
        } else if draining {
            print("\(name) draining: \(result.told) clients told to reconnect elsewhere; the rest are closed in \(grace)s")
        } else {
            print("\(name) accepts new sessions again")
        }
    }
}

/// `flux admin sessions`: who is logged in where.
struct AdminSessions: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "sessions", abstract: "Logged-in sessions on every live chat node.")
    @OptionGroup var common: CommonOptions
    @OptionGroup var cluster: ClusterOptions
    @OptionGroup var output: OutputOptions
    @Option(help: "Only this chat node.") var node: String?

    func run() async throws {
        let admin = try cluster.connect(try await common.load(roles: "all"))
        do {
            output.print(try await admin.sessions(node: node).map(SessionView.init), columns: SessionView.columns)
        } catch {
            throw error.adminFailure
        }
    }
}

/// `flux admin kick UID`: 1021 and close.
struct AdminKick: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "kick", abstract: "Send 1021 to a user's session and close it (exit 1 if not online).")
    @OptionGroup var common: CommonOptions
    @OptionGroup var cluster: ClusterOptions
    @OptionGroup var output: OutputOptions
    @Argument(help: "uid") var uid: Int64

    func run() async throws {
        let admin = try cluster.connect(try await common.load(roles: "all"))
        let kicked: SessionSummary?
        do {
            kicked = try await admin.kick(uid: uid)
        } catch {
            throw error.adminFailure
        }
        guard let kicked else { throw AdminFailure("user \(uid) is not online") }
        if output.json {
            output.print([SessionView(kicked)], columns: SessionView.columns)
        } else {
            print("kicked \(uid) from \(kicked.node)")
        }
    }
}

/// `flux admin stats`: the size of the installation and what it is doing now.
struct AdminStats: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stats", abstract: "Users, messages, sessions per node and messages per second (exit 1 if the cluster is unreachable).")
    @OptionGroup var common: CommonOptions
    @OptionGroup var cluster: ClusterOptions
    @OptionGroup var output: OutputOptions

    struct Stats: Encodable {
        var users: Int
        var messages: Int
        var sessions: Int?
        var messagesPerSecond: Double?
        var nodes: [NodeView]?
    }

    func run() async throws {
        let configuration = try await common.load(roles: "all")
        let store = try await AdminStore.open(common, configuration: configuration)
        let users = try await store.userCount()
        let messages = try await store.messageCount()
        try await store.close()
        var stats = Stats(users: users, messages: messages)
        var unreachable: AdminFailure?
        let admin = try cluster.connect(configuration)
        do {
            let nodes = try await admin.nodes().map(NodeView.init)
            stats.nodes = nodes
            // Counted from the nodes' session lists, so stats, sessions and kick always agree.
            stats.sessions = try await admin.sessions(node: nil).count
            stats.messagesPerSecond = nodes.reduce(0) { $0 + $1.messagesPerSecond }
        } catch {
            unreachable = error.adminFailure
        }
        if output.json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            print(String(decoding: try encoder.encode(stats), as: UTF8.self))
        } else {
            print("users: \(users)")
            print("messages: \(messages)")
            if let nodes = stats.nodes {
                print("sessions: \(stats.sessions ?? 0)")
                print(String(format: "messages/s: %.1f", stats.messagesPerSecond ?? 0))
                for node in nodes { print(String(format: "node %@: %d sessions, %.1f messages/s", node.name, node.sessions, node.messagesPerSecond)) }
            }
        }
        if let unreachable { throw unreachable }
    }
}
