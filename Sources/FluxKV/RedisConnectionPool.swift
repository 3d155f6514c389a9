import NIOPosix
import Synchronization

/// Blocking hiredis connections run on a dedicated thread pool, never on an event loop or the
/// cooperative pool. Each job borrows one idle connection (or opens one), so there are at most as many
/// connections as threads.
final class RedisConnectionPool: Sendable {
    private let url: RedisURL
    private let idle = Mutex<[RedisConnection]>([])
    private let threadPool: NIOThreadPool

    init(url: RedisURL, threads: Int) {
        self.url = url
        self.threadPool = NIOThreadPool(numberOfThreads: threads)
        threadPool.start()
    }

    /// Runs `body` with a connection on a pool thread.
    func run<T: Sendable>(_ body: @escaping @Sendable (RedisConnection) throws(KVError) -> T) async throws(KVError) -> T {
        do {
            return try await threadPool.runIfActive {
                let connection = self.idle.withLock { $0.popLast() } ?? RedisConnection(url: self.url)
                defer { self.idle.withLock { $0.append(connection) } }
                return try body(connection)
            }
        } catch let error as KVError {
            throw error
        } catch {
            throw KVError(.unavailable, "redis pool stopped: \(error)")
        }
    }

    func shutdown() async {
        try? await threadPool.shutdownGracefully()
        idle.withLock { $0.removeAll() }
    }
}
