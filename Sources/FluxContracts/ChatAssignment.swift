import FluxProtocol

/// Where a client should connect for chat, and the token to present there.
public struct ChatAssignment: Codable, Sendable, Hashable {
    /// The chat node's name.
    public var node: String
    public var host: String
    public var port: Int
    public var token: String
    /// The node's WebSocket URL, when it has one.
    public var ws: String?

    public init(node: String, host: String, port: Int, token: String, ws: String? = nil) {
        self.ws = ws
        self.node = node
        self.host = host
        self.port = port
        self.token = token
    }
}
