import FluxKV
import Foundation
import Testing

/// What is particular to the Redis store: URLs and an unreachable server.
@Suite struct RedisKeyValueStoreTests {
    @Test func parsesURLs() throws {
        let plain = try RedisURL(parsing: "redis://127.0.0.1:6380/2")
        #expect(plain.host == "127.0.0.1" && plain.port == 6380 && plain.database == 2 && plain.password == nil)
        let secret = try RedisURL(parsing: "redis://:s%40cret@cache.example.com")
        #expect(secret.port == 6379 && secret.database == 0 && secret.password == "s@cret")
        #expect(!secret.description.contains("cret"))
        #expect(throws: KVError.self) { try RedisURL(parsing: "memory:") }
        #expect(throws: KVError.self) { try RedisURL(parsing: "redis://host/db") }
    }

    @Test func unreachableServerIsUnavailable() async throws {
        let store = RedisKeyValueStore(url: try RedisURL(parsing: "redis://127.0.0.1:1/0"), connections: 1)
        let error = await #expect(throws: KVError.self) { try await store.ping() }
        #expect(error?.code == .unavailable)
        await store.close()
    }
}
