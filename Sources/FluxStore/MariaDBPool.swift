import NIOPosix
import Synchronization

/// Blocking MariaDB calls run on a dedicated thread pool, never on an event loop or the cooperative
/// pool. Each job borrows one idle connection (or opens one): at most as many connections as threads.
final class MariaDBPool: Sendable {
    private let url: MariaDBURL
    private let idle = Mutex<[MariaDBConnection]>([])
    private let threadPool: NIOThreadPool

    init(url: MariaDBURL, threads: Int) {
        self.url = url
        self.threadPool = NIOThreadPool(numberOfThreads: threads)
        threadPool.start()
    }

    func run<T: Sendable>(_ body: @escaping @Sendable (MariaDBConnection) throws(StoreError) -> T) async throws(StoreError) -> T {
        do {
            return try await threadPool.runIfActive {
                let connection = self.idle.withLock { $0.popLast() } ?? MariaDBConnection(url: self.url)
                defer { self.idle.withLock { $0.append(connection) } }
                return try body(connection)
            }
        } catch let error as StoreError {
            throw error
        } catch {
            throw StoreError(.unavailable, "MariaDB pool stopped: \(error)")
        }
    }

    func shutdown() async {
        try? await threadPool.shutdownGracefully()
        idle.withLock { $0.removeAll() }
    }
}
