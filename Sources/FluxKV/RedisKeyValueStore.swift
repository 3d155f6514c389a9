/// `KeyValueStore` over Redis through hiredis (`redisCommandArgv`), for roles split across processes.
///
/// A broken connection is reopened on the next call, so the roles recover by themselves after Redis
/// restarts; calls made while it is down fail with `.unavailable`.
public final class RedisKeyValueStore: KeyValueStore {
    private let pool: RedisConnectionPool
    public let url: RedisURL

    private static let compareAndDeleteScript =
        "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end"
    private static let incrementScript = """
        local existed = redis.call('exists', KEYS[1])
        local value = redis.call('incrby', KEYS[1], ARGV[1])
        if existed == 0 and ARGV[2] ~= '' then redis.call('pexpire', KEYS[1], ARGV[2]) end
        return value
        """

    /// Connects lazily; call `ping()` to check the server at start-up.
    public init(url: RedisURL, connections: Int = 8) {
        self.url = url
        self.pool = RedisConnectionPool(url: url, threads: connections)
    }

    /// Checks that Redis answers.
    public func ping() async throws(KVError) {
        guard case .status("PONG") = try await run(["PING"]) else { throw KVError(.server, "redis \(url) did not answer PING") }
    }

    /// Removes every key of the configured database (tests and `flux admin` only).
    public func flushDatabase() async throws(KVError) {
        _ = try await run(["FLUSHDB"])
    }

    public func close() async {
        await pool.shutdown()
    }

    public func get(_ key: String) async throws(KVError) -> String? {
        try Self.optionalString(try await run(["GET", key]))
    }

    public func get(_ keys: [String]) async throws(KVError) -> [String?] {
        guard !keys.isEmpty else { return [] }
        guard case .array(let items) = try await run(["MGET"] + keys), items.count == keys.count else {
            throw KVError(.server, "MGET: not an array of \(keys.count)")
        }
        return items.map { item in
            if case .string(let value) = item { return value }
            return nil
        }
    }

    public func set(_ key: String, _ value: String, ttl: Duration?) async throws(KVError) {
        _ = try await run(["SET", key, value] + Self.expiry(ttl))
    }

    public func setIfAbsent(_ key: String, _ value: String, ttl: Duration?) async throws(KVError) -> Bool {
        if case .status = try await run(["SET", key, value, "NX"] + Self.expiry(ttl)) { return true }
        return false
    }

    public func delete(_ key: String) async throws(KVError) -> Bool {
        try Self.integer(try await run(["DEL", key])) > 0
    }

    public func compareAndDelete(_ key: String, expected: String) async throws(KVError) -> Bool {
        try Self.integer(try await run(["EVAL", Self.compareAndDeleteScript, "1", key, expected])) > 0
    }

    public func increment(_ key: String, by delta: Int64, ttlIfCreated: Duration?) async throws(KVError) -> Int64 {
        let ttl = ttlIfCreated.map { String(Self.milliseconds($0)) } ?? ""
        return try Self.integer(try await run(["EVAL", Self.incrementScript, "1", key, String(delta), ttl]))
    }

    public func timeToLive(_ key: String) async throws(KVError) -> Duration? {
        let milliseconds = try Self.integer(try await run(["PTTL", key]))
        return milliseconds >= 0 ? .milliseconds(milliseconds) : nil
    }

    public func expire(_ key: String, ttl: Duration) async throws(KVError) -> Bool {
        try Self.integer(try await run(["PEXPIRE", key, String(Self.milliseconds(ttl))])) == 1
    }

    public func hashSet(_ key: String, field: String, value: String) async throws(KVError) {
        _ = try await run(["HSET", key, field, value])
    }

    public func hashGet(_ key: String, field: String) async throws(KVError) -> String? {
        try Self.optionalString(try await run(["HGET", key, field]))
    }

    public func hashGetAll(_ key: String) async throws(KVError) -> [String: String] {
        guard case .array(let items) = try await run(["HGETALL", key]) else { throw KVError(.server, "HGETALL: not an array") }
        var result: [String: String] = [:]
        var index = 0
        while index + 1 < items.count {
            if case .string(let field) = items[index], case .string(let value) = items[index + 1] { result[field] = value }
            index += 2
        }
        return result
    }

    public func hashDelete(_ key: String, field: String) async throws(KVError) -> Bool {
        try Self.integer(try await run(["HDEL", key, field])) > 0
    }

    public func hashIncrement(_ key: String, field: String, by delta: Int64) async throws(KVError) -> Int64 {
        try Self.integer(try await run(["HINCRBY", key, field, String(delta)]))
    }

    // MARK: - Replies

    private func run(_ arguments: [String]) async throws(KVError) -> RedisConnection.Reply {
        let reply = try await pool.run { connection throws(KVError) in try connection.command(arguments) }
        if case .error(let message) = reply {
            if message.hasPrefix("WRONGTYPE") || message.contains("not an integer") || message.contains("overflow") {
                throw KVError(.wrongType, message)
            }
            throw KVError(.server, "redis: \(message)")
        }
        return reply
    }

    private static func optionalString(_ reply: RedisConnection.Reply) throws(KVError) -> String? {
        switch reply {
        case .string(let value): value
        case .null: nil
        default: throw KVError(.server, "unexpected redis reply \(reply)")
        }
    }

    private static func integer(_ reply: RedisConnection.Reply) throws(KVError) -> Int64 {
        guard case .integer(let value) = reply else { throw KVError(.server, "unexpected redis reply \(reply)") }
        return value
    }

    private static func expiry(_ ttl: Duration?) -> [String] {
        ttl.map { ["PX", String(max(1, milliseconds($0)))] } ?? []
    }

    private static func milliseconds(_ duration: Duration) -> Int64 {
        duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000
    }
}
