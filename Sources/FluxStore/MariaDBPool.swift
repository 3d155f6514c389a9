import NIOPosix
import Synchronization

/// Blocking MariaDB calls run on a dedicated thread pool, never on an event loop or the cooperative
/// pool. Each job borrows one idle connection (or opens one): at most as many connections as threads.
///
/// A pooled connection can die while idle (the server restarted or closed it). Every statement starts
/// with a prepare, a round trip that changes nothing, so a dead connection shows up there, before
/// anything is executed; the job then runs its call once more on a fresh connection when `Retry` says
/// that is safe. No ping before use: it would cost a round trip to learn what the prepare learns anyway.
final class MariaDBPool: Sendable {
    /// When a call may run again, once, after its connection was found dead.
    enum Retry: Sendable {
        /// The call only reads: it may run again whole, whatever it had already done.
        case readOnly
        /// The call changes data: it runs again only if none of its statements was sent for execution
        /// (the connection was found dead while preparing). One whose execute may have reached the server
        /// is reported, never repeated blindly. This covers transactions: their first statement is
        /// START TRANSACTION, so one found dead there has had nothing of it run, let alone committed.
        case unlessSent
    }

    private let url: MariaDBURL
    private let idle = Mutex<[MariaDBConnection]>([])
    private let threadPool: NIOThreadPool

    init(url: MariaDBURL, threads: Int) {
        self.url = url
        self.threadPool = NIOThreadPool(numberOfThreads: threads)
        threadPool.start()
    }

    /// Runs `body` on a thread of the pool with a borrowed connection, again once on a fresh connection
    /// if the borrowed one was dead and `retry` allows it.
    func run<T: Sendable>(
        _ retry: Retry, _ body: @escaping @Sendable (MariaDBConnection) throws(StoreError) -> T
    ) async throws(StoreError) -> T {
        do {
            return try await threadPool.runIfActive {
                let connection = self.idle.withLock { $0.popLast() } ?? MariaDBConnection(url: self.url)
                defer { self.idle.withLock { $0.append(connection) } }
                return try Self.call(body, on: connection, retry: retry)
            }
        } catch let error as StoreError {
            throw error
        } catch {
            throw StoreError(.unavailable, "MariaDB pool stopped: \(error)")
        }
    }

    private static func call<T>(
        _ body: (MariaDBConnection) throws(StoreError) -> T, on connection: MariaDBConnection, retry: Retry
    ) throws(StoreError) -> T {
        // Only a connection that was open before the call can have died while idle. When opening one
        // fails, the server is unreachable now, and connecting again at once would only double the wait.
        let wasOpen = connection.isOpen
        let sentBefore = connection.executionsSent
        do throws(StoreError) {
            return try body(connection)
        } catch {
            let safe = retry == .readOnly || connection.executionsSent == sentBefore
            guard wasOpen, error.mariaDBKind == .connectionLost, safe else { throw error }
            // The failed statement closed the dead handle: the body's first statement connects afresh.
            return try body(connection)
        }
    }

    func shutdown() async {
        try? await threadPool.shutdownGracefully()
        idle.withLock { $0.removeAll() }
    }
}
