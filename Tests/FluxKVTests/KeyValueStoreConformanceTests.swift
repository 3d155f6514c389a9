import FluxKV
import Testing

/// Behaviour every `KeyValueStore` must have (Redis semantics).
@Suite struct KeyValueStoreConformanceTests {
    @Test(arguments: KVBackend.allCases)
    func setGetDelete(_ backend: KVBackend) async throws {
        let kv = try await backend.make()
        let key = uniqueKey("a")
        #expect(try await kv.get(key) == nil)
        try await kv.set(key, "one")
        #expect(try await kv.get(key) == "one")
        try await kv.set(key, "two", ttl: nil)
        #expect(try await kv.get(key) == "two")
        #expect(try await kv.delete(key))
        #expect(try await kv.get(key) == nil)
        #expect(try await !kv.delete(key))
    }

    @Test(arguments: KVBackend.allCases)
    func valuesKeepUnicodeAndEmptyStrings(_ backend: KVBackend) async throws {
        let kv = try await backend.make()
        let key = uniqueKey("u")
        try await kv.set(key, "")
        #expect(try await kv.get(key) == "")
        try await kv.set(key, "验证码 🔑 \n\r\t")
        #expect(try await kv.get(key) == "验证码 🔑 \n\r\t")
    }

    @Test(arguments: KVBackend.allCases)
    func keysExpire(_ backend: KVBackend) async throws {
        let (kv, time) = try await backend.makeWithTime()
        let key = uniqueKey("ttl")
        try await kv.set(key, "v", ttl: time.ttl)
        let left = try #require(try await kv.timeToLive(key))
        #expect(left > .zero && left <= time.ttl)
        if time.virtual { #expect(try await kv.get(key) == "v") }
        #expect(try await time.expire { try await kv.get(key) == nil })
        #expect(try await kv.timeToLive(key) == nil)
    }

    @Test(arguments: KVBackend.allCases)
    func setReplacesTheExpiry(_ backend: KVBackend) async throws {
        let (kv, time) = try await backend.makeWithTime()
        let key = uniqueKey("re")
        try await kv.set(key, "v", ttl: time.ttl)
        try await kv.set(key, "w")
        #expect(try await kv.timeToLive(key) == nil, "no expiry left")
        if time.virtual { time.pass(time.ttl + .seconds(1)) }
        #expect(try await kv.get(key) == "w")
    }

    @Test(arguments: KVBackend.allCases)
    func setIfAbsent(_ backend: KVBackend) async throws {
        let (kv, time) = try await backend.makeWithTime()
        let key = uniqueKey("nx")
        #expect(try await kv.setIfAbsent(key, "first", ttl: time.ttl))
        #expect(try await !kv.setIfAbsent(key, "second", ttl: nil))
        if time.virtual { #expect(try await kv.get(key) == "first") }
        #expect(try await time.expire { try await kv.setIfAbsent(key, "third", ttl: nil) })
        #expect(try await kv.get(key) == "third")
    }

    @Test(arguments: KVBackend.allCases)
    func setIfAbsentHasOneWinnerUnderConcurrency(_ backend: KVBackend) async throws {
        let kv = try await backend.make()
        let key = uniqueKey("race")
        let wins = try await withThrowingTaskGroup(of: Bool.self) { group in
            for index in 0..<20 {
                group.addTask { try await kv.setIfAbsent(key, "\(index)", ttl: .seconds(10)) }
            }
            return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
        }
        #expect(wins == 1)
    }

    @Test(arguments: KVBackend.allCases)
    func compareAndDelete(_ backend: KVBackend) async throws {
        let kv = try await backend.make()
        let key = uniqueKey("lock")
        try await kv.set(key, "owner-a", ttl: .seconds(10))
        #expect(try await !kv.compareAndDelete(key, expected: "owner-b"))
        #expect(try await kv.get(key) == "owner-a")
        #expect(try await kv.compareAndDelete(key, expected: "owner-a"))
        #expect(try await kv.get(key) == nil)
        #expect(try await !kv.compareAndDelete(key, expected: "owner-a"))
    }

    @Test(arguments: KVBackend.allCases)
    func counters(_ backend: KVBackend) async throws {
        let (kv, time) = try await backend.makeWithTime()
        let key = uniqueKey("n")
        #expect(try await kv.increment(key, by: 1, ttlIfCreated: .seconds(60)) == 1)
        #expect(try await kv.increment(key, by: 5, ttlIfCreated: .seconds(100)) == 6)
        #expect(try await kv.increment(key, by: -2, ttlIfCreated: nil) == 4)
        // The expiry set at creation stays: the later ttlIfCreated did not extend it.
        let left = try #require(try await kv.timeToLive(key))
        #expect(left <= .seconds(60))
        let short = uniqueKey("m")
        #expect(try await kv.increment(short, by: 1, ttlIfCreated: time.ttl) == 1)
        #expect(try await time.expire { try await kv.get(short) == nil })
        #expect(try await kv.increment(short, by: 1, ttlIfCreated: nil) == 1)
    }

    @Test(arguments: KVBackend.allCases)
    func incrementOfNonIntegerIsWrongType(_ backend: KVBackend) async throws {
        let kv = try await backend.make()
        let key = uniqueKey("s")
        try await kv.set(key, "abc")
        await #expect(throws: KVError.self) { try await kv.increment(key, by: 1, ttlIfCreated: nil) }
        #expect(try await kv.get(key) == "abc")
    }

    @Test(arguments: KVBackend.allCases)
    func expireExistingKeysOnly(_ backend: KVBackend) async throws {
        let (kv, time) = try await backend.makeWithTime()
        let key = uniqueKey("e")
        #expect(try await !kv.expire(key, ttl: time.ttl))
        try await kv.set(key, "v")
        #expect(try await kv.expire(key, ttl: time.ttl))
        #expect(try await time.expire { try await kv.get(key) == nil })
    }

    @Test(arguments: KVBackend.allCases)
    func hashes(_ backend: KVBackend) async throws {
        let kv = try await backend.make()
        let key = uniqueKey("h")
        #expect(try await kv.hashGetAll(key).isEmpty)
        try await kv.hashSet(key, field: "node-1", value: "3")
        try await kv.hashSet(key, field: "node-2", value: "5")
        #expect(try await kv.hashGet(key, field: "node-1") == "3")
        #expect(try await kv.hashGet(key, field: "node-9") == nil)
        #expect(try await kv.hashIncrement(key, field: "node-1", by: 2) == 5)
        #expect(try await kv.hashIncrement(key, field: "node-3", by: -1) == -1)
        #expect(try await kv.hashGetAll(key) == ["node-1": "5", "node-2": "5", "node-3": "-1"])
        #expect(try await kv.hashDelete(key, field: "node-2"))
        #expect(try await !kv.hashDelete(key, field: "node-2"))
        #expect(try await kv.hashDelete(key, field: "node-1"))
        #expect(try await kv.hashDelete(key, field: "node-3"))
        // An emptied hash is gone, like in Redis.
        #expect(try await !kv.delete(key))
    }

    @Test(arguments: KVBackend.allCases)
    func stringAndHashDoNotMix(_ backend: KVBackend) async throws {
        let kv = try await backend.make()
        let key = uniqueKey("mix")
        try await kv.set(key, "v")
        await #expect(throws: KVError.self) { try await kv.hashSet(key, field: "f", value: "x") }
        let hashKey = uniqueKey("mix2")
        try await kv.hashSet(hashKey, field: "f", value: "x")
        await #expect(throws: KVError.self) { try await kv.get(hashKey) }
        #expect(try await kv.delete(hashKey))
    }

    @Test(arguments: KVBackend.allCases)
    func concurrentIncrementsAreAtomic(_ backend: KVBackend) async throws {
        let kv = try await backend.make()
        let key = uniqueKey("atomic")
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<50 {
                group.addTask { _ = try await kv.increment(key, by: 1, ttlIfCreated: .seconds(30)) }
            }
            try await group.waitForAll()
        }
        #expect(try await kv.get(key) == "50")
    }
}
