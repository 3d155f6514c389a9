import Foundation

/// A parsed `FLUX_KV_URL` for Redis: `redis://[:password@]host[:port][/db]`.
public struct RedisURL: Sendable, Hashable, CustomStringConvertible {
    public var host: String
    public var port: Int
    public var database: Int
    public var password: String?

    /// Parses `text`, or throws `KVError` saying what is wrong.
    public init(parsing text: String) throws(KVError) {
        guard let components = URLComponents(string: text), components.scheme == "redis",
            let host = components.host, !host.isEmpty
        else { throw KVError(.server, "expected redis://[:password@]host[:port][/db], got '\(text)'") }
        self.host = host
        self.port = components.port ?? 6379
        let path = components.path.trimmingCharacters(in: CharacterSet(charactersIn: "/"))
        guard let database = path.isEmpty ? 0 : Int(path), database >= 0 else {
            throw KVError(.server, "database '\(path)' in '\(text)' is not a number")
        }
        self.database = database
        self.password = components.password  // URLComponents has already percent-decoded it
    }

    /// The URL without its password, for logs.
    public var description: String { "redis://\(host):\(port)/\(database)" }
}
