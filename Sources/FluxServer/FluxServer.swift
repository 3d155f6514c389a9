import FluxChat
import FluxCluster
import FluxContracts
import FluxCrypto
import FluxGate
import FluxKV
import FluxNet
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
    /// Signalled with the status role's RPC port (where `flux admin` connects), when status runs here.
    public let statusRPCReady: ReadySignal
    /// Signalled with the metrics port.
    public let metricsReady = ReadySignal()
    private let group: ServiceGroup
    private let logger: Logger

    /// Checks the shared services, opens the store and builds every role; throws `ConfigurationError`
    /// naming the key at fault (an unreachable Redis or peer included). `clocks` are the real ones
    /// except in tests.
    public init(
        configuration: FluxConfiguration, logger: Logger, signals: [UnixSignal] = [.sigterm, .sigint], clocks: ServerClocks = .real
    ) async throws(ConfigurationError) {
        self.configuration = configuration
        self.logger = logger
        let roles = configuration.roles
        let split = !configuration.isSingleProcess
        FluxMetrics.bootstrap()
        let kv = InstrumentedKeyValueStore(try await Self.openKeyValueStore(configuration, split: split, clocks: clocks))
        let threadPool = NIOThreadPool.singleton
        var services: [any Service] = []
        let security = try RPCSecurityLoader.load(configuration)
        let limiters = ListenerLimits(configuration, budget: DescriptorBudget.raiseToHardLimit())
        let registry = NodeRegistry(kv: kv, lifetime: configuration.status.nodeLifetime)
        let directory = NodeDirectory(registry: registry, security: security, logger: logger.with(role: "rpc"))

        var store: (any Store)?
        if roles.contains(.gate) || roles.contains(.chat) {
            let opened = InstrumentedStore(try await Self.openStore(
                configuration.effectiveDatabaseURL, sqliteSynchronousFull: configuration.sqliteSynchronousFull))
            services.append(StoreLifecycle(store: opened, logger: logger))
            store = opened
        }

        // Split deployments: each role that serves RPC listens on its own port. The status role always
        // does, for `flux admin`.
        func rpcServer(for role: Role, port: Int) -> RPCServer? {
            guard split || role == .status, roles.contains(role) else { return nil }
            let server = RPCServer(
                host: configuration.effectiveRPCHost, port: port, security: security, logger: logger.with(role: "\(role.rawValue)-rpc"))
            services.append(server)
            return server
        }

        var status: (any StatusAPI)?
        var statusRPC: RPCServer?
        if roles.contains(.status) {
            let service = StatusService(kv: kv, configuration: configuration.status, logger: logger.with(role: "status"))
            let clusterAdmin = ClusterAdmin(status: service, nodes: directory, kv: kv, logger: logger.with(role: "admin"))
            // One process (`--role all`): the only node is this one, so there is nothing to steer logins
            // away from, and a probe connection would take a slot of the chat caps every second.
            if split {
                services.append(NodeHealthProbe(registry: registry, interval: configuration.status.probeInterval, logger: logger.with(role: "status")))
            }
            if let rpc = rpcServer(for: .status, port: configuration.statusRPCPort) {
                if split { rpc.serve(status: service) }
                rpc.serve(admin: clusterAdmin)
                statusRPC = rpc
            }
            status = service
        } else if roles.contains(.gate) || roles.contains(.chat) {
            status = StatusRPCClient(client: try await Self.peers("status.address", configuration.statusAddresses, security, logger))
        }

        var verify: (any VerifyAPI)?
        if roles.contains(.verify) {
            let mailer: any Mailer
            if let smtp = configuration.smtpURL {
                mailer = SMTPMailer(url: smtp, threadPool: threadPool, logger: logger.with(role: "verify"))
            } else {
                mailer = OutboxMailer(folder: configuration.outboxDirectory, threadPool: threadPool, logger: logger.with(role: "verify"))
            }
            let service = VerifyService(kv: kv, mailer: mailer, configuration: configuration.verify, logger: logger.with(role: "verify"))
            rpcServer(for: .verify, port: configuration.verifyRPCPort)?.serve(verify: service)
            verify = service
        } else if roles.contains(.gate) {
            verify = VerifyRPCClient(client: try await Self.peers("verify.address", configuration.verifyAddresses, security, logger))
        }

        if roles.contains(.chat), let status, let store {
            let chatLogger = logger.with(role: "chat")
            let chat = ChatService(
                configuration: configuration.chat, store: store, kv: kv, status: status, nodes: directory, logger: chatLogger,
                clock: clocks.wallSeconds)
            let rpc = rpcServer(for: .chat, port: configuration.chatRPCPort)
            rpc?.serve(chatNode: chat)
            directory.addLocal(name: configuration.chat.name, chat)
            let renewal = RenewalTrigger()
            services.append(PresenceKeeper(chat: chat, interval: configuration.chat.resyncInterval, renewal: renewal, logger: chatLogger))
            let ready = chatReady
            let rpcAddress: @Sendable () async -> String? = { [configuration] in
                guard let rpc else { return nil }
                if let advertised = configuration.chatRPCAdvertise { return advertised }
                guard let port = try? await rpc.ready.wait() else { return nil }
                return "\(configuration.chat.advertiseHost):\(port)"
            }
            let webSocketReady = ReadySignal()
            services.append(ChatNodeService(
                configuration: configuration.chat, status: status, logger: chatLogger, listening: ready,
                webSocketListening: configuration.chat.webSocketPort == nil ? nil : webSocketReady,
                rpcAddress: rpcAddress, instance: chat.instance, sessionCount: { await chat.sessionCount() },
                draining: { chat.isDraining }, messageTotals: { chat.messageTotals }, onRecovered: { await chat.recoverAfterFault() },
                trigger: renewal))
            do {
                services.append(try ChatServer(
                    configuration: configuration.chat, service: chat, limiter: limiters.chat, logger: chatLogger,
                    onListening: { port in await ready.signal(port: port) },
                    onWebSocketListening: { port in await webSocketReady.signal(port: port) }))
            } catch {
                throw ConfigurationError(key: "chat.tls_cert", "cannot load the chat TLS certificate or key: \(error)")
            }
        }

        if roles.contains(.gate), let store, let status, let verify {
            let accounts = AccountService(
                store: store, kv: kv, verify: verify, status: status,
                passwords: PasswordWorker(hasher: PasswordHasher(parameters: configuration.passwordParameters), threadPool: threadPool),
                configuration: configuration.gate, logger: logger.with(role: "gate"))
            let ready = gateReady
            do {
                services.append(try GateServer(
                    configuration: configuration.gate, accounts: accounts, limiter: limiters.gate, logger: logger.with(role: "gate")
                ) { port in
                    await ready.signal(port: port)
                })
            } catch {
                throw ConfigurationError(key: "gate.tls_cert", "cannot load the gate TLS certificate or key: \(error)")
            }
        }

        let metricsReady = self.metricsReady
        services.append(MetricsServer(host: configuration.metricsHost, port: configuration.metricsPort, logger: logger.with(role: "metrics")) { port in
            await metricsReady.signal(port: port)
        })

        self.statusRPCReady = statusRPC?.ready ?? ReadySignal()
        if configuration.memoryTrimThresholdMiB > 0 {
            services.append(HeapTrimmer(
                interval: .seconds(1), policy: HeapTrimPolicy(threshold: configuration.memoryTrimThresholdMiB << 20), logger: logger.with(role: "memory")))
        }

        if services.isEmpty {
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
            await statusRPCReady.fail(error)
            await metricsReady.fail(error)
            logger.critical("flux stopped on an error", metadata: ["error": "\(error)"])
            throw error
        }
        await gateReady.fail(ListenerNotStarted("flux stopped"))
        await chatReady.fail(ListenerNotStarted("flux stopped"))
        await statusRPCReady.fail(ListenerNotStarted("flux stopped"))
        await metricsReady.fail(ListenerNotStarted("flux stopped"))
        logger.notice("flux stopped")
    }

    /// Starts a graceful shutdown, as SIGTERM does.
    public func shutdown() async {
        await group.triggerGracefulShutdown()
    }

    /// The KV of `kv.url`. Roles split across processes need Redis; Redis must answer at start-up.
    private static func openKeyValueStore(
        _ configuration: FluxConfiguration, split: Bool, clocks: ServerClocks
    ) async throws(ConfigurationError) -> any KeyValueStore {
        guard configuration.keyValueURL.hasPrefix("redis://") else {
            if split {
                throw ConfigurationError(
                    key: "kv.url",
                    "roles split across processes share state through Redis: set redis://host:port/db (memory: only works with --role all)")
            }
            return MemoryKeyValueStore(now: clocks.monotonic)
        }
        do {
            let redis = RedisKeyValueStore(url: try RedisURL(parsing: configuration.keyValueURL))
            try await redis.ping()
            return redis
        } catch {
            throw ConfigurationError(key: "kv.url", error.message)
        }
    }

    /// A fail-over RPC client for the role at `addresses`, at least one of which must answer now.
    private static func peers(
        _ key: String, _ addresses: [String], _ security: RPCSecurity, _ logger: Logger
    ) async throws(ConfigurationError) -> RPCFailoverClient {
        var clients: [RPCClient] = []
        for address in addresses {
            guard let client = RPCClient(address: address, security: security, logger: logger.with(role: "rpc")) else {
                throw ConfigurationError(key: key, "'\(address)' is not host:port")
            }
            clients.append(client)
        }
        let failover = RPCFailoverClient(peers: clients, logger: logger.with(role: "rpc"))
        do {
            _ = try await failover.call("rpc.ping", RPCEmpty(), as: RPCEmpty.self, timeout: .seconds(3))
        } catch {
            throw ConfigurationError(key: key, "no peer answers: \(error.reason)")
        }
        return failover
    }

    /// Opens the store of `url`, applying pending migrations unless `migrate` is false.
    public static func openStore(_ url: String, migrate: Bool = true, sqliteSynchronousFull: Bool = true) async throws(ConfigurationError) -> any Store {
        do {
            switch try StoreURL(parsing: url) {
            case .sqlite(let path):
                return try SQLiteStore(path: path, migrate: migrate, synchronousFull: sqliteSynchronousFull)
            case .mariadb(let url):
                return try await MariaDBStore(url: url, migrate: migrate)
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
