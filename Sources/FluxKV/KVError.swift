/// A key-value operation failed.
public struct KVError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What kind of failure.
    public enum Code: String, Sendable, Hashable {
        /// The value at the key has another type (string vs hash) or is not an integer.
        case wrongType
        /// The server could not be reached or the connection broke.
        case unavailable
        /// The server answered with an error.
        case server
    }

    public let code: Code
    public let message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "KVError(\(code.rawValue)): \(message)" }
}
