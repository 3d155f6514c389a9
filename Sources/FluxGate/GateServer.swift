import FluxNet
import FluxProtocol
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import Logging
import NIOCore
import ServiceLifecycle

/// The gate role as a `Service`: Hummingbird's HTTP/1.1 server (HTTPS when a certificate is configured)
/// with the account routes, behind the connection caps and request deadlines. Graceful shutdown stops
/// accepting and lets in-flight requests finish.
public struct GateServer: Service {
    private let application: Application<RouterResponder<GateRequestContext>>

    /// `onListening` is called with the bound port once the server accepts connections; `limiter` holds
    /// the listener's connection caps.
    public init(
        configuration: GateConfiguration,
        accounts: AccountService,
        limiter: ConnectionLimiter,
        logger: Logger,
        onListening: @escaping @Sendable (Int) async -> Void = { _ in }
    ) throws {
        let router = Router(context: GateRequestContext.self)
        router.add(middleware: SecurityHeadersMiddleware())
        router.add(middleware: NotFoundMiddleware())
        GateRoutes(accounts: accounts, maxBodyBytes: configuration.maxBodyBytes).register(on: router)
        WebClientRoutes().register(on: router)
        let server = try Self.serverBuilder(configuration, limiter: limiter)
        self.application = Application(
            router: router,
            server: server,
            // A deep accept queue: a burst of connections (a flood the caps refuse) must not crowd out honest ones.
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: nil, backlog: 4096),
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? configuration.port
                logger.notice("gate listening", metadata: [
                    "address": "\(configuration.host):\(port)", "tls": "\(configuration.tlsCertificate != nil)",
                ])
                await onListening(port)
            },
            logger: logger
        )
    }

    public func run() async throws {
        try await application.run()
    }

    private static func serverBuilder(_ configuration: GateConfiguration, limiter: ConnectionLimiter) throws -> HTTPServerBuilder {
        let http1 = HTTP1Channel.Configuration(
            additionalChannelHandlers: [
                RequestDeadlineHandler(
                    headTimeout: .init(configuration.headerTimeout), bodyTimeout: .init(configuration.bodyTimeout),
                    keepAliveTimeout: .init(configuration.keepAliveTimeout))
            ])
        guard let certificate = configuration.tlsCertificate, let key = configuration.tlsKey else {
            return HTTPServerBuilder { responder in
                GuardedChildChannel(base: HTTP1Channel(responder: responder, configuration: http1), limiter: limiter, tls: false)
            }
        }
        let tls = try TLSFiles.serverConfiguration(certificate: certificate, key: key)
        return HTTPServerBuilder { responder in
            GuardedChildChannel(
                base: try TLSChannel(HTTP1Channel(responder: responder, configuration: http1), tlsConfiguration: tls), limiter: limiter,
                tls: true)
        }
    }
}
