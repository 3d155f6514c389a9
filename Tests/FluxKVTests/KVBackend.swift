import FluxKV
import FluxTestSupport
import Foundation
import Synchronization

/// The `KeyValueStore` implementations the conformance suite runs against. Add a case when an
/// implementation lands; every test then runs on it unchanged.
enum KVBackend: String, CaseIterable, CustomStringConvertible, Sendable {
    case memory
    /// A real `redis-server`, found through `FLUX_TEST_REDIS_URL` (set by `make test` and `.ci/run`).
    case redis

    var description: String { rawValue }

    func make() async throws -> any KeyValueStore {
        try await makeWithTime().0
    }

    /// The store and the time it expires keys by: virtual for the memory store (moved by the test, no
    /// waiting), real for Redis (short expiries, and waits on the condition itself).
    func makeWithTime() async throws -> (any KeyValueStore, KVTime) {
        switch self {
        case .memory:
            let time = KVTime(virtual: true)
            return (MemoryKeyValueStore(now: time.now), time)
        case .redis:
            guard let store = sharedRedis else {
                throw MissingServer(
                    "FLUX_TEST_REDIS_URL is not set: these tests need a real redis-server (make test starts one; or export FLUX_TEST_REDIS_URL=redis://127.0.0.1:6379/15)")
            }
            try await store.ping()
            return (store, KVTime(virtual: false))
        }
    }
}

/// Time for the expiry tests.
final class KVTime: Sendable {
    private let start = ContinuousClock.now
    private let offset = Mutex<Duration>(.zero)
    let virtual: Bool

    init(virtual: Bool) { self.virtual = virtual }

    /// An expiry to test with: long in virtual time; on a real server short, yet long enough that a busy
    /// machine does not see it pass before the test's next command (2 s did, on a 2-core machine with
    /// both cores taken by other processes).
    var ttl: Duration { virtual ? .seconds(60) : .seconds(6) }

    /// The virtual clock (the real one for a real server).
    var now: @Sendable () -> ContinuousClock.Instant {
        { [self] in start.advanced(by: offset.withLock { $0 }) }
    }

    /// Moves virtual time on by `duration`. A real server's time cannot be moved: tests that show that
    /// something does not expire read its expiry there instead (Redis reports none).
    func pass(_ duration: Duration) {
        precondition(virtual, "real time cannot be moved")
        offset.withLock { $0 += duration }
    }

    /// Lets `ttl` pass, then waits (bounded) until `condition` holds; returns whether it did.
    func expire(_ condition: () async throws -> Bool) async throws -> Bool {
        if virtual {
            pass(ttl + .milliseconds(1))
            return try await condition()
        }
        return try await eventually(within: ttl + .seconds(10), condition)
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
