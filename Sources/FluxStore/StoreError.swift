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
    /// For `.duplicate`, the unique field that clashed (`email` or `name`).
    public let field: String?
    public let message: String

    public init(_ code: Code, field: String? = nil, _ message: String) {
        self.code = code
        self.field = field
        self.message = message
    }

    public var description: String { "StoreError(\(code.rawValue)): \(message)" }
}
