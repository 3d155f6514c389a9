import FluxStore
import Logging
import ServiceLifecycle

/// Keeps the store open while the process runs and closes (flushes) it last on shutdown: the
/// `ServiceGroup` stops services in reverse order, so this one, added first, ends after the listeners.
struct StoreLifecycle: Service {
    let store: any Store
    let logger: Logger

    func run() async throws {
        try? await gracefulShutdown()
        try await store.close()
        logger.info("store closed")
    }
}
