import FluxCluster
import FluxContracts
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle

/// Connects to every live chat node's client port every `interval`; a node that cannot be reached is
/// marked unreachable in the shared registry (so no status process hands it out) well before its
/// registration expires, and the mark is cleared once it answers again.
public struct NodeHealthProbe: Service {
    private let registry: NodeRegistry
    private let interval: Duration
    private let connectTimeout: TimeAmount
    private let logger: Logger

    public init(registry: NodeRegistry, interval: Duration = .seconds(1), connectTimeout: TimeAmount = .milliseconds(500), logger: Logger) {
        self.registry = registry
        self.interval = interval
        self.connectTimeout = connectTimeout
        self.logger = logger
    }

    public func run() async throws {
        try? await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                await self.probeAll()
                try? await Task.sleep(for: self.interval)
            }
        }
    }

    /// Probes each live node once, concurrently.
    func probeAll() async {
        guard let nodes = try? await registry.liveNodes() else { return }
        await withTaskGroup(of: Void.self) { group in
            for node in nodes where !node.draining {
                group.addTask { await self.probe(node) }
            }
        }
    }

    private func probe(_ node: ChatNodeReport) async {
        let reachable = await canConnect(host: node.host, port: node.port)
        if reachable, node.reachable == false {
            logger.notice("chat node reachable again", metadata: ["node": "\(node.name)"])
            try? await registry.setUnreachable(name: node.name, for: nil)
        } else if !reachable {
            if node.reachable != false {
                logger.warning("chat node unreachable on its client port; not assigned", metadata: [
                    "node": "\(node.name)", "address": "\(node.host):\(node.port)",
                ])
            }
            try? await registry.setUnreachable(name: node.name, for: interval * 3)
        }
    }

    private func canConnect(host: String, port: Int) async -> Bool {
        do {
            let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .connectTimeout(connectTimeout)
                .connect(host: host, port: port).get()
            try? await channel.close()
            return true
        } catch {
            return false
        }
    }
}
