import FluxProtocol
import FluxRPC
import Logging
import ServiceLifecycle

/// A chat node's membership in the cluster: registers with status at start, renews every
/// `renewInterval` with its live session count, and deregisters on graceful shutdown.
///
/// The client protocol (login, friends, texts) is served by the chat listener added with issue 3; until
/// then a node only advertises where clients will connect.
public struct ChatNodeService: Service {
    private let configuration: ChatConfiguration
    private let status: any StatusAPI
    private let sessionCount: @Sendable () async -> Int
    private let logger: Logger

    public init(
        configuration: ChatConfiguration,
        status: any StatusAPI,
        logger: Logger,
        sessionCount: @escaping @Sendable () async -> Int = { 0 }
    ) {
        self.configuration = configuration
        self.status = status
        self.logger = logger
        self.sessionCount = sessionCount
    }

    public func run() async throws {
        try await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                await self.renew()
                try? await Task.sleep(for: self.configuration.renewInterval)
            }
        }
        try? await status.removeChatNode(name: configuration.name)
        logger.info("chat node deregistered", metadata: ["node": "\(configuration.name)"])
    }

    private func renew() async {
        let report = ChatNodeReport(
            name: configuration.name,
            host: configuration.advertiseHost,
            port: configuration.advertisePort,
            sessions: await sessionCount(),
            capacity: configuration.capacity
        )
        do {
            try await status.reportChatNode(report)
        } catch {
            logger.warning("chat node renewal failed", metadata: ["node": "\(configuration.name)", "error": "\(error)"])
        }
    }
}
