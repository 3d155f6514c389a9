import Hummingbird
import Logging
import ServiceLifecycle

/// `GET /metrics` (Prometheus text) on its own port, for processes without the gate's HTTP listener.
struct MetricsServer: Service {
    private let application: Application<RouterResponder<BasicRequestContext>>

    init(host: String, port: Int, logger: Logger, onListening: @escaping @Sendable (Int) async -> Void) {
        let router = Router()
        router.get("metrics") { _, _ in
            Response(
                status: .ok,
                headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(bytes: FluxMetrics.exposition())))
        }
        application = Application(
            router: router,
            configuration: .init(address: .hostname(host, port: port), serverName: nil),
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? port
                logger.notice("metrics listening", metadata: ["address": "\(host):\(port)"])
                await onListening(port)
            },
            logger: logger)
    }

    func run() async throws {
        try await application.run()
    }
}
