import ArgumentParser
import FluxServer
import FluxStore
import Foundation
import Logging

/// `flux`: runs the chosen roles (the default), or an operator command under `flux admin`.
@main
struct Flux: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "flux",
        abstract: "Flux instant-messaging server: gate, chat, status and verify roles in one binary.",
        discussion: """
            Every setting can come from the config file (--config), from FLUX_<SECTION>_<KEY> environment
            variables, or from the flags; flags win over the environment, which wins over the file.
            See docs/configuration.md for every key.

            Examples:
              flux --role all                          # local development, nothing else needed
              flux --role all --config etc/flux.yaml
              flux --role chat --config etc/cluster/chat-1.yaml
              flux admin db migrate --config etc/cluster/front.yaml
            """,
        version: FluxVersion.current,
        subcommands: [Serve.self, Admin.self, BenchCommand.self],
        defaultSubcommand: Serve.self
    )

    /// Exit codes that mean something: 0 ok, 1 not found or refused, 2 usage.
    static func main() async {
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch let failure as AdminFailure {
            FileHandle.standardError.write(Data("flux: \(failure)\n".utf8))
            Foundation.exit(1)
        } catch {
            let code = exitCode(for: error)
            if code == .validationFailure {
                FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
                Foundation.exit(2)
            }
            exit(withError: error)
        }
    }
}

/// Options every command takes.
struct CommonOptions: ParsableArguments {
    @Option(name: .long, help: "YAML config file (see etc/flux.yaml).")
    var config: String?

    @Option(name: .long, help: "Data folder for the SQLite file and the dev outbox (FLUX_DATA_DIR; default ./flux-data).")
    var dataDir: String?

    @Option(name: .long, help: "Log level: trace, debug, info, notice, warning, error, critical (FLUX_LOG_LEVEL).")
    var logLevel: String?

    /// The configuration, or exit 1 with the one line that names the wrong key.
    func load(roles: String) async throws -> FluxConfiguration {
        var overrides: [String: String] = [:]
        if let dataDir { overrides["data.dir"] = dataDir }
        if let logLevel { overrides["log.level"] = logLevel }
        do {
            return try await ConfigurationLoader(configFile: config, overrides: overrides).load(roles: try Role.parseList(roles))
        } catch {
            FileHandle.standardError.write(Data("flux: \(error)\n".utf8))
            throw ExitCode(1)
        }
    }
}

/// Runs the roles until SIGTERM/SIGINT (the default command).
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the chosen roles (the default command).")

    @Option(name: .long, help: "Roles to run: all, or a comma list of gate, chat, status, verify.")
    var role: String = "all"

    @OptionGroup var common: CommonOptions

    @Flag(name: .long, help: "Check the configuration, print it and exit without starting.")
    var check = false

    func run() async throws {
        let configuration = try await common.load(roles: role)
        let level = configuration.logLevel
        LoggingSystem.bootstrap { label in KeyValueLogHandler(label: label, level: level) }
        if check {
            print(ConfigurationSummary(configuration).text)
            return
        }
        let server: FluxServer
        do {
            server = try await FluxServer(configuration: configuration, logger: Logger(label: "flux"))
        } catch {
            FileHandle.standardError.write(Data("flux: \(error)\n".utf8))
            throw ExitCode(1)
        }
        try await server.run()
    }
}

/// Operator commands.
struct Admin: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Operate a Flux installation (exit 0 ok, 1 not found or refused, 2 usage).",
        subcommands: [
            AdminUsers.self, AdminFriends.self, AdminGroups.self, AdminMessages.self, AdminNodes.self, AdminSessions.self, AdminKick.self,
            AdminStats.self, Database.self,
        ])
}

/// `flux admin db …`: the store's schema.
struct Database: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "db", abstract: "The store's schema migrations and backups.", subcommands: [Migrate.self, Status.self, Backup.self])

    struct Backup: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "SQLite: copy the live database to --to with the online backup. MySQL/MariaDB: print the mysqldump command.")

        @OptionGroup var common: CommonOptions
        @Option(help: "Destination file (SQLite).") var to: String?

        func run() async throws {
            let configuration = try await common.load(roles: "all")
            let url = configuration.effectiveDatabaseURL
            switch try? StoreURL(parsing: url) {
            case .mariadb(let db):
                print("mysqldump --single-transaction --routines --default-character-set=utf8mb4 -h \(db.host) -P \(db.port) -u \(db.user) -p \(db.database) > flux-$(date +%Y%m%d%H%M%S).sql")
            case .sqlite:
                guard let to else { throw ValidationError("--to FILE is required for a SQLite store") }
                guard !FileManager.default.fileExists(atPath: to) else { throw AdminFailure("\(to) exists already") }
                let store = try await Database.open(configuration, migrate: false)
                guard let sqlite = store as? SQLiteStore else { throw AdminFailure("not a SQLite store") }
                try await sqlite.backup(to: to)
                try await store.close()
                print("backed up \(url) to \(to)")
            case nil:
                throw AdminFailure("db.url '\(url)' is not a store URL")
            }
        }
    }

    struct Migrate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Apply pending migrations to the configured store (db.url).")

        @OptionGroup var common: CommonOptions

        func run() async throws {
            let configuration = try await common.load(roles: "all")
            let store = try await Database.open(configuration, migrate: true)
            let (applied, _) = try await store.migrationStatus()
            print("\(configuration.effectiveDatabaseURL.redactingPassword): up to date (\(applied.count) migrations: \(applied.joined(separator: ", ")))")
            try await store.close()
        }
    }

    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List applied and pending migrations without changing anything.")

        @OptionGroup var common: CommonOptions

        func run() async throws {
            let configuration = try await common.load(roles: "all")
            let store = try await Database.open(configuration, migrate: false)
            let (applied, pending) = try await store.migrationStatus()
            for name in applied { print("applied  \(name)") }
            for name in pending { print("pending  \(name)") }
            try await store.close()
        }
    }

    static func open(_ configuration: FluxConfiguration, migrate: Bool) async throws -> any Store {
        do {
            return try await FluxServer.openStore(configuration.effectiveDatabaseURL, migrate: migrate)
        } catch {
            FileHandle.standardError.write(Data("flux: \(error)\n".utf8))
            throw ExitCode(1)
        }
    }
}

extension String {
    /// A store URL without its password, for output.
    var redactingPassword: String {
        guard let at = lastIndex(of: "@"), let scheme = range(of: "://"), scheme.upperBound < at,
            let colon = self[scheme.upperBound..<at].firstIndex(of: ":")
        else { return self }
        return String(self[..<colon]) + ":***" + String(self[at...])
    }
}
