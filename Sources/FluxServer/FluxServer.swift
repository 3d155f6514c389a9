import FluxChat
import FluxCrypto
import FluxGate
import FluxKV
import FluxRPC
import FluxStatus
import FluxStore
import FluxVerify
import Logging
import NIOPosix
import ServiceLifecycle
import UnixSignals

/// One `flux` process: builds the roles chosen in the configuration, wires them with the in-process
/// transport, and runs them as `Service`s in one `ServiceGroup` that shuts down gracefully on SIGTERM
/// and SIGINT.
public final class FluxServer: Sendable {
    public let configuration: FluxConfiguration
    /// Signalled with the gate's bound port (only when the gate role runs).
    public let gateReady = ReadySignal()
    /// Signalled with the chat listener's bound port (only when the chat role runs).
    public let chatReady = ReadySignal()
    private let group: ServiceGroup
    private let logger: Logger

    /// Opens the store and builds every role; throws `ConfigurationError` naming the key at fault.
    public init(configuration: FluxConfiguration, logger: Logger, signals: [UnixSignal] = [.sigterm, .sigint]) throws(ConfigurationError) {
        self.configuration = configuration
        self.logger = logger
        let roles = configuration.roles
        try Self.checkRoleDependencies(roles)

        let kv: any KeyValueStore = MemoryKeyValueStore()
        let threadPool = NIOThreadPool.singleton
        var services: [any Service] = []

        var store: (any Store)?
        if roles.contains(.gate) || roles.contains(.chat) {
            let opened = try Self.openStore(configuration.effectiveDatabaseURL)
            services.append(StoreLifecycle(store: opened, logger: logger))
            store = opened
        }

        var status: (any StatusAPI)?
        if roles.contains(.status) {
            status = StatusService(kv: kv, configuration: configuration.status, logger: logger.with(role: "status"))
        }

        var verify: (any VerifyAPI)?
        if roles.contains(.verify) {
            let mailer: any Mailer
            if let smtp = configuration.smtpURL {
                mailer = SMTPMailer(url: smtp, threadPool: threadPool, logger: logger.with(role: "verify"))
            } else {
                mailer = OutboxMailer(folder: configuration.outboxDirectory, threadPool: threadPool, logger: logger.with(role: "verify"))
            }
            verify = VerifyService(kv: kv, mailer: mailer, configuration: configuration.verify, logger: logger.with(role: "verify"))
        }

        if roles.contains(.chat), let status, let store {
            let chatLogger = logger.with(role: "chat")
            let chat = ChatService(configuration: configuration.chat, store: store, kv: kv, logger: chatLogger)
            let ready = chatReady
            services.append(ChatNodeService(
                configuration: configuration.chat, status: status, logger: chatLogger, listening: ready,
                sessionCount: { await chat.sessionCount() }))
            services.append(ChatServer(configuration: configuration.chat, service: chat, logger: chatLogger) { port in
                await ready.signal(port: port)
            })
        }

        if roles.contains(.gate), let store, let status, let verify {
            let accounts = AccountService(
                store: store, kv: kv, verify: verify, status: status,
                passwords: PasswordWorker(hasher: PasswordHasher(parameters: configuration.passwordParameters), threadPool: threadPool),
                configuration: configuration.gate, logger: logger.with(role: "gate"))
            let ready = gateReady
            services.append(GateServer(configuration: configuration.gate, accounts: accounts, logger: logger.with(role: "gate")) { port in
                await ready.signal(port: port)
            })
        }

        if services.isEmpty || (roles == [.status] || roles == [.verify] || roles == [.status, .verify]) {
            // Nothing listens yet for these roles alone: keep the process alive until a signal.
            services.append(IdleService())
        }

        var groupConfiguration = ServiceGroupConfiguration(
            services: services.map { .init(service: $0) }, gracefulShutdownSignals: signals, logger: logger)
        // A peer that never lets go must not keep the process from stopping.
        groupConfiguration.maximumGracefulShutdownDuration = .seconds(15)
        groupConfiguration.maximumCancellationDuration = .seconds(5)
        self.group = ServiceGroup(configuration: groupConfiguration)
    }

    /// Runs until a shutdown signal or `shutdown()`; returns after every service has stopped.
    public func run() async throws {
        logger.notice("flux starting", metadata: ["roles": "\(configuration.roles.sorted().map(\.rawValue).joined(separator: ","))"])
        do {
            try await group.run()
        } catch {
            await gateReady.fail(error)
            await chatReady.fail(error)
            logger.critical("flux stopped on an error", metadata: ["error": "\(error)"])
            throw error
        }
        await gateReady.fail(ListenerNotStarted("flux stopped"))
        await chatReady.fail(ListenerNotStarted("flux stopped"))
        logger.notice("flux stopped")
    }

    /// Starts a graceful shutdown, as SIGTERM does.
    public func shutdown() async {
        await group.triggerGracefulShutdown()
    }

    /// Until RPC between processes exists, a role runs only beside the roles it calls.
    static func checkRoleDependencies(_ roles: Set<Role>) throws(ConfigurationError) {
        if roles.contains(.gate), !(roles.contains(.status) && roles.contains(.verify)) {
            throw ConfigurationError(key: "role", "gate needs status and verify in the same process in this build (RPC between processes is not built yet): use --role all or gate,status,verify")
        }
        if roles.contains(.chat), !roles.contains(.status) {
            throw ConfigurationError(key: "role", "chat needs status in the same process in this build (RPC between processes is not built yet): add status to --role")
        }
    }

    private static func openStore(_ url: String) throws(ConfigurationError) -> any Store {
        do {
            switch try StoreURL(parsing: url) {
            case .sqlite(let path):
                return try SQLiteStore(path: path)
            }
        } catch {
            throw ConfigurationError(key: "db.url", error.message)
        }
    }
}

/// Waits for shutdown; keeps a process whose roles have no listener of their own alive.
struct IdleService: Service {
    func run() async throws {
        try? await gracefulShutdown()
    }
}

extension Logger {
    func with(role: String) -> Logger {
        var copy = self
        copy[metadataKey: "role"] = "\(role)"
        return copy
    }
}
