import Foundation

/// A parsed `FLUX_DB_URL` for MySQL/MariaDB: `mysql://user[:password]@host[:port]/database`.
public struct MariaDBURL: Sendable, Hashable, CustomStringConvertible {
    public var host: String
    public var port: Int
    public var user: String
    public var password: String?
    public var database: String

    public init(parsing text: String) throws(StoreError) {
        guard let components = URLComponents(string: text), components.scheme == "mysql" || components.scheme == "mariadb",
            let host = components.host, !host.isEmpty, let user = components.user, !user.isEmpty
        else { throw StoreError(.invalidURL, "expected mysql://user:password@host:port/database, got a malformed URL") }
        let database = components.path.trimmingCharacters(in: CharacterSet(charactersIn: "/"))
        guard !database.isEmpty, database.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) else {
            throw StoreError(.invalidURL, "the database name in the URL must be letters, digits and _")
        }
        self.host = host
        self.port = components.port ?? 3306
        self.user = user
        self.password = components.password  // already percent-decoded
        self.database = database
    }

    /// The URL without its password, for logs.
    public var description: String { "mysql://\(user)@\(host):\(port)/\(database)" }
}
