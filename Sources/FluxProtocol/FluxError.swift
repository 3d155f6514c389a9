/// An error that carries the protocol's error code, so every layer can answer a client with the right
/// `error` value without mapping.
public struct FluxError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The wire error code sent to the client.
    public let code: ErrorCode
    /// A human-readable reason, for logs only (never contains secrets).
    public let reason: String

    public init(_ code: ErrorCode, _ reason: String) {
        self.code = code
        self.reason = reason
    }

    public var description: String { "FluxError(\(code.rawValue)): \(reason)" }
}
