import FluxProtocol
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle

/// The gate role as a `Service`: Hummingbird's HTTP/1.1 server with the account routes. Graceful
/// shutdown stops accepting and lets in-flight requests finish.
public struct GateServer: Service {
    private let application: Application<RouterResponder<GateRequestContext>>

    /// `onListening` is called with the bound port once the server accepts connections.
    public init(
        configuration: GateConfiguration,
        accounts: AccountService,
        logger: Logger,
        metricsText: (@Sendable () -> [UInt8])? = nil,
        onListening: @escaping @Sendable (Int) async -> Void = { _ in }
    ) {
        let router = Router(context: GateRequestContext.self)
        router.add(middleware: NotFoundMiddleware())
        GateRoutes(accounts: accounts, maxBodyBytes: configuration.maxBodyBytes, metricsText: metricsText).register(on: router)
        self.application = Application(
            router: router,
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: nil),
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? configuration.port
                logger.notice("gate listening", metadata: ["address": "\(configuration.host):\(port)"])
                await onListening(port)
            },
            logger: logger
        )
    }

    public func run() async throws {
        try await application.run()
    }
}
