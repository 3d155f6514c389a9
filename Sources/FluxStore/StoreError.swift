/// A store operation failed.
public struct StoreError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What kind of failure.
    public enum Code: String, Sendable, Hashable {
        /// A unique value (e-mail, name) is taken; `field` names it.
        case duplicate
        /// The database could not be opened, reached, or written.
        case unavailable
        /// The schema in the database is newer than this binary knows.
        case schemaTooNew
        /// The store URL is malformed.
        case invalidURL
    }

    public let code: Code
    /// For `.duplicate`, the unique field that clashed (`email` or `name`; `msgid` for a message).
    public let field: String?
    /// The database's own error number when it reported one (MariaDB: `mysql_errno`, e.g. 1213 for a
    /// deadlock, 2006 for a lost connection). Retry decisions use this, never `message`.
    public let serverCode: UInt32?
    public let message: String

    public init(_ code: Code, field: String? = nil, serverCode: UInt32? = nil, _ message: String) {
        self.code = code
        self.field = field
        self.serverCode = serverCode
        self.message = message
    }

    public var description: String { "StoreError(\(code.rawValue)): \(message)" }
}
