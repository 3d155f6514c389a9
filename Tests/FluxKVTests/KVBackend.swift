import FluxKV
import Foundation

/// The `KeyValueStore` implementations the conformance suite runs against. Add a case when an
/// implementation lands; every test then runs on it unchanged.
enum KVBackend: String, CaseIterable, CustomStringConvertible, Sendable {
    case memory
    /// A real `redis-server`, found through `FLUX_TEST_REDIS_URL` (set by `make test` and `.ci/run`).
    case redis

    var description: String { rawValue }

    func make() async throws -> any KeyValueStore {
        switch self {
        case .memory:
            return MemoryKeyValueStore()
        case .redis:
            guard let store = sharedRedis else {
                throw MissingServer(
                    "FLUX_TEST_REDIS_URL is not set: these tests need a real redis-server (make test starts one; or export FLUX_TEST_REDIS_URL=redis://127.0.0.1:6379/15)")
            }
            try await store.ping()
            return store
        }
    }
}

/// One pool for the whole test run (tests use unique keys, so they can share it).
private let sharedRedis: RedisKeyValueStore? = ProcessInfo.processInfo.environment["FLUX_TEST_REDIS_URL"]
    .flatMap { try? RedisURL(parsing: $0) }
    .map { RedisKeyValueStore(url: $0, connections: 4) }

struct MissingServer: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// A key prefix unique to one test, so backends shared between tests (a real Redis) never collide.
func uniqueKey(_ name: String) -> String {
    "test:\(UUID().uuidString.prefix(8)):\(name)"
}
