/// Where a chat WebSocket is: parsed from the `ws` URL a login answers with (`ws://host:port/path`).
public struct WebSocketTarget: Sendable, Hashable {
    public var host: String
    public var port: Int
    public var path: String
    /// `wss://`: TLS.
    public var secure: Bool

    public init(host: String, port: Int, path: String = "/ws", secure: Bool = false) {
        self.host = host
        self.port = port
        self.path = path
        self.secure = secure
    }

    /// Parses `ws://host:port/path` or `wss://…` (IPv6 hosts in brackets); nil if it is not one.
    public init?(url: String) {
        let secure: Bool
        let rest: Substring
        if url.hasPrefix("ws://") {
            (secure, rest) = (false, url.dropFirst(5))
        } else if url.hasPrefix("wss://") {
            (secure, rest) = (true, url.dropFirst(6))
        } else {
            return nil
        }
        let slash = rest.firstIndex(of: "/") ?? rest.endIndex
        let authority = rest[..<slash]
        let path = slash == rest.endIndex ? "/" : String(rest[slash...])
        var host = authority
        var port = secure ? 443 : 80
        if let colon = authority.lastIndex(of: ":"), !authority[colon...].contains("]") {
            guard let number = Int(authority[authority.index(after: colon)...]), (1...65535).contains(number) else { return nil }
            port = number
            host = authority[..<colon]
        }
        host = host.hasPrefix("[") && host.hasSuffix("]") ? host.dropFirst().dropLast() : host
        guard !host.isEmpty else { return nil }
        self.init(host: String(host), port: port, path: path, secure: secure)
    }

    /// The `Host` header value.
    var hostHeader: String {
        let name = host.contains(":") ? "[\(host)]" : host
        return port == (secure ? 443 : 80) ? name : "\(name):\(port)"
    }
}
