import ArgumentParser
import FluxServer
import Foundation
import Logging

/// `flux`: runs the chosen roles until SIGTERM/SIGINT.
@main
struct Flux: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "flux",
        abstract: "Flux instant-messaging server: gate, chat, status and verify roles in one binary.",
        discussion: """
            Every setting can come from the config file (--config), from FLUX_<SECTION>_<KEY> environment
            variables, or from the flags below; flags win over the environment, which wins over the file.
            See docs/configuration.md for every key.

            Examples:
              flux --role all                          # local development, nothing else needed
              flux --role all --config etc/flux.yaml
              FLUX_GATE_PORT=9080 flux --role all --data-dir /tmp/flux
            """,
        version: FluxVersion.current
    )

    @Option(name: .long, help: "Roles to run: all, or a comma list of gate, chat, status, verify.")
    var role: String = "all"

    @Option(name: .long, help: "YAML config file (see etc/flux.yaml).")
    var config: String?

    @Option(name: .long, help: "Data folder for the SQLite file and the dev outbox (FLUX_DATA_DIR; default ./flux-data).")
    var dataDir: String?

    @Option(name: .long, help: "Log level: trace, debug, info, notice, warning, error, critical (FLUX_LOG_LEVEL).")
    var logLevel: String?

    @Flag(name: .long, help: "Check the configuration, print it and exit without starting.")
    var check = false

    func run() async throws {
        var overrides: [String: String] = [:]
        if let dataDir { overrides["data.dir"] = dataDir }
        if let logLevel { overrides["log.level"] = logLevel }
        let configuration: FluxConfiguration
        let server: FluxServer
        do {
            let roles = try Role.parseList(role)
            configuration = try await ConfigurationLoader(configFile: config, overrides: overrides).load(roles: roles)
            let level = configuration.logLevel
            LoggingSystem.bootstrap { label in
                var handler = StreamLogHandler.standardError(label: label)
                handler.logLevel = level
                return handler
            }
            if check {
                print(ConfigurationSummary(configuration).text)
                return
            }
            server = try await FluxServer(configuration: configuration, logger: Logger(label: "flux"))
        } catch {
            FileHandle.standardError.write(Data("flux: \(error)\n".utf8))
            throw ExitCode(1)
        }
        try await server.run()
    }
}
