import FluxProtocol
import FluxContracts
import FluxRPC
import Logging
import ServiceLifecycle

/// A chat node's membership in the cluster: registers with status at start, renews every
/// `renewInterval` with its live session count, and deregisters on graceful shutdown.
///
public struct ChatNodeService: Service {
    private let configuration: ChatConfiguration
    private let status: any StatusAPI
    private let sessionCount: @Sendable () async -> Int
    private let listening: ReadySignal?
    private let webSocketListening: ReadySignal?
    private let rpcAddress: @Sendable () async -> String?
    private let instance: String?
    private let logger: Logger
    private let draining: @Sendable () -> Bool
    private let messageTotals: @Sendable () -> (received: Int64, delivered: Int64)
    private let onRecovered: @Sendable () async -> Void
    private let trigger: RenewalTrigger

    /// With `listening`, the node waits for the listener and, when the configured port is 0 and no
    /// address is advertised explicitly, advertises the port actually bound; with `webSocketListening`,
    /// the same for the WebSocket URL (unless `chat.ws_url` names one).
    public init(
        configuration: ChatConfiguration,
        status: any StatusAPI,
        logger: Logger,
        listening: ReadySignal? = nil,
        webSocketListening: ReadySignal? = nil,
        rpcAddress: @escaping @Sendable () async -> String? = { nil },
        instance: String? = nil,
        sessionCount: @escaping @Sendable () async -> Int = { 0 },
        draining: @escaping @Sendable () -> Bool = { false },
        messageTotals: @escaping @Sendable () -> (received: Int64, delivered: Int64) = { (0, 0) },
        onRecovered: @escaping @Sendable () async -> Void = {},
        trigger: RenewalTrigger = RenewalTrigger()
    ) {
        self.onRecovered = onRecovered
        self.trigger = trigger
        self.draining = draining
        self.messageTotals = messageTotals
        self.instance = instance
        self.configuration = configuration
        self.status = status
        self.logger = logger
        self.listening = listening
        self.webSocketListening = webSocketListening
        self.rpcAddress = rpcAddress
        self.sessionCount = sessionCount
    }

    public func run() async throws {
        var configuration = self.configuration
        if let listening {
            guard let port = try? await listening.wait() else { return }
            if configuration.advertisePort == 0 { configuration.advertisePort = port }
        }
        if configuration.webSocketURL == nil, let webSocketListening {
            guard let port = try? await webSocketListening.wait() else { return }
            configuration.webSocketURL = Self.webSocketURL(configuration, port: port)
        }
        let advertised = configuration
        try? await cancelWhenGracefulShutdown {
            var failing = false
            while !Task.isCancelled {
                let renewed = await self.renew(advertised)
                if renewed, failing {
                    // Status was unreachable: peers may have stopped routing to this node meanwhile.
                    self.logger.notice("chat node registration renewed again", metadata: ["node": "\(advertised.name)"])
                    await self.onRecovered()
                }
                failing = !renewed
                await self.trigger.wait(upTo: failing ? min(self.configuration.renewInterval, .seconds(1)) : self.configuration.renewInterval)
            }
        }
        try? await status.removeChatNode(name: configuration.name)
        logger.info("chat node deregistered", metadata: ["node": "\(configuration.name)"])
    }

    /// `ws://` (`wss://` with TLS) + the advertised host + the bound port + `/ws`.
    static func webSocketURL(_ configuration: ChatConfiguration, port: Int) -> String {
        let host = configuration.advertiseHost.contains(":") ? "[\(configuration.advertiseHost)]" : configuration.advertiseHost
        return "\(configuration.tlsCertificate == nil ? "ws" : "wss")://\(host):\(port)\(ChatServer.webSocketPath)"
    }

    private func renew(_ configuration: ChatConfiguration) async -> Bool {
        let totals = messageTotals()
        let report = ChatNodeReport(
            name: configuration.name,
            host: configuration.advertiseHost,
            port: configuration.advertisePort,
            sessions: await sessionCount(),
            capacity: configuration.capacity,
            draining: draining(),
            rpcAddress: await rpcAddress(),
            instance: instance,
            cpu: HostLoad.cpu(),
            memory: HostLoad.memory(),
            messagesIn: totals.received,
            messagesOut: totals.delivered,
            ws: configuration.webSocketURL
        )
        do {
            try await status.reportChatNode(report)
            return true
        } catch {
            logger.warning("chat node renewal failed", metadata: ["node": "\(configuration.name)", "error": "\(error)"])
            return false
        }
    }
}
