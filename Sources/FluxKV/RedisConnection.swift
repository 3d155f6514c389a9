internal import CHiredis
import Foundation

/// One blocking connection to Redis through hiredis, used by one thread at a time (the pool hands it
/// out to a single thread-pool job and takes it back).
// @unchecked Sendable: a connection is only ever used by the single thread-pool job that took it from
// `RedisConnectionPool` and returns it there; no two threads touch it at once.
final class RedisConnection: @unchecked Sendable {
    /// A parsed reply.
    enum Reply {
        case string(String)
        case integer(Int64)
        case array([Reply])
        case null
        case status(String)
        case error(String)
    }

    private var context: UnsafeMutablePointer<redisContext>?
    private let url: RedisURL
    private let timeout: timeval

    init(url: RedisURL, timeoutSeconds: Int = 5) {
        self.url = url
        self.timeout = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
    }

    deinit {
        if let context { redisFree(context) }
    }

    /// Runs one command, connecting first if needed. A broken connection is dropped so that the next
    /// command reconnects (after a Redis restart, for example).
    func command(_ arguments: [String]) throws(KVError) -> Reply {
        let context = try connected()
        guard let raw = Self.send(arguments, on: context) else {
            let message = Self.errorText(context)
            drop()
            throw KVError(.unavailable, "redis \(url) failed: \(message)")
        }
        let reply = raw.assumingMemoryBound(to: redisReply.self)
        defer { freeReplyObject(raw) }
        return Self.parse(reply)
    }

    private func connected() throws(KVError) -> UnsafeMutablePointer<redisContext> {
        if let context { return context }
        guard let fresh = redisConnectWithTimeout(url.host, Int32(url.port), timeout) else {
            throw KVError(.unavailable, "redis \(url): cannot allocate a connection")
        }
        guard fresh.pointee.err == 0 else {
            let message = Self.errorText(fresh)
            redisFree(fresh)
            throw KVError(.unavailable, "redis \(url) unreachable: \(message)")
        }
        redisSetTimeout(fresh, timeout)
        context = fresh
        if let password = url.password {
            try check(try command(["AUTH", password]), "AUTH")
        }
        if url.database != 0 {
            try check(try command(["SELECT", String(url.database)]), "SELECT")
        }
        return fresh
    }

    private func check(_ reply: Reply, _ what: String) throws(KVError) {
        if case .error(let message) = reply {
            drop()
            throw KVError(.server, "redis \(what) refused: \(message)")
        }
    }

    private func drop() {
        if let context { redisFree(context) }
        context = nil
    }

    private static func send(_ arguments: [String], on context: UnsafeMutablePointer<redisContext>) -> UnsafeMutableRawPointer? {
        let buffers = arguments.map { Array($0.utf8CString) }
        let lengths = arguments.map { $0.utf8.count }
        return withPointers(buffers) { pointers in
            lengths.withUnsafeBufferPointer { lengthPointer in
                redisCommandArgv(context, Int32(arguments.count), pointers, lengthPointer.baseAddress)
            }
        }
    }

    private static func withPointers<R>(_ buffers: [[CChar]], _ body: (UnsafeMutablePointer<UnsafePointer<CChar>?>) -> R) -> R {
        var pointers: [UnsafePointer<CChar>?] = []
        pointers.reserveCapacity(buffers.count)
        var storage: [UnsafeMutablePointer<CChar>] = []
        for buffer in buffers {
            let copy = UnsafeMutablePointer<CChar>.allocate(capacity: buffer.count)
            copy.initialize(from: buffer, count: buffer.count)
            storage.append(copy)
            pointers.append(UnsafePointer(copy))
        }
        defer { storage.forEach { $0.deallocate() } }
        return pointers.withUnsafeMutableBufferPointer { body($0.baseAddress!) }
    }

    private static func parse(_ reply: UnsafeMutablePointer<redisReply>) -> Reply {
        let value = reply.pointee
        switch value.type {
        case flux_redis_reply_string():
            return .string(text(value))
        case flux_redis_reply_status():
            return .status(text(value))
        case flux_redis_reply_error():
            return .error(text(value))
        case flux_redis_reply_integer():
            return .integer(Int64(value.integer))
        case flux_redis_reply_array():
            var items: [Reply] = []
            for index in 0..<Int(value.elements) {
                if let element = value.element[index] { items.append(parse(element)) }
            }
            return .array(items)
        default:
            return .null
        }
    }

    private static func text(_ value: redisReply) -> String {
        guard let pointer = value.str else { return "" }
        let bytes = UnsafeRawBufferPointer(start: pointer, count: Int(value.len))
        return String(decoding: bytes, as: UTF8.self)
    }

    private static func errorText(_ context: UnsafeMutablePointer<redisContext>) -> String {
        withUnsafeBytes(of: context.pointee.errstr) { raw in
            String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
        }
    }
}
