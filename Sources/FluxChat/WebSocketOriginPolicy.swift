import Foundation

/// Which browser pages may open a chat WebSocket: a page's `Origin` must be listed, so a page on another
/// site cannot use a visitor's browser to talk to the chat node (cross-site WebSocket hijacking).
public struct WebSocketOriginPolicy: Sendable, Hashable {
    /// Allowed origins, normalised (lower case, no trailing slash).
    public var allowed: Set<String>
    /// `*`: any origin (for development behind other front ends).
    public var allowsAny: Bool

    public init(allowed: some Sequence<String>, allowsAny: Bool = false) {
        self.allowed = Set(allowed.map(Self.normalise))
        self.allowsAny = allowsAny
    }

    /// The default: the gate's own page, as a browser on the gate's host names it.
    public static func gate(host: String, port: Int, tls: Bool) -> WebSocketOriginPolicy {
        let scheme = tls ? "https" : "http"
        let defaultPort = tls ? 443 : 80
        let suffix = port == defaultPort ? "" : ":\(port)"
        var hosts = ["localhost", "127.0.0.1", "[::1]"]
        if !["0.0.0.0", "::", "", "localhost", "127.0.0.1", "::1"].contains(host) {
            hosts.append(host.contains(":") ? "[\(host)]" : host)
        }
        return WebSocketOriginPolicy(allowed: hosts.map { "\(scheme)://\($0)\(suffix)" })
    }

    /// Whether a request with this `Origin` header (nil: none) may upgrade.
    public func accepts(origin: String?) -> Bool {
        guard let origin else { return true }
        return allowsAny || allowed.contains(Self.normalise(origin))
    }

    static func normalise(_ origin: String) -> String {
        var text = origin.trimmingCharacters(in: .whitespaces).lowercased()
        while text.hasSuffix("/") { text.removeLast() }
        return text
    }
}
