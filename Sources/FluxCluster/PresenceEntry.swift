/// Where one user is logged in: `<node>#<instance>#<session>`, `instance` being new at every start of the
/// node so an entry written before a crash is recognised as stale.
public struct PresenceEntry: Sendable, Hashable, CustomStringConvertible {
    public var node: String
    public var instance: String
    public var session: String

    public init(node: String, instance: String, session: String) {
        self.node = node
        self.instance = instance
        self.session = session
    }

    /// Parses a stored value; nil if it is not `node#instance#session`.
    public init?(parsing value: String) {
        let parts = value.split(separator: "#", omittingEmptySubsequences: false)
        guard parts.count == 3, !parts[0].isEmpty else { return nil }
        self.init(node: String(parts[0]), instance: String(parts[1]), session: String(parts[2]))
    }

    /// The stored form.
    public var value: String { "\(node)#\(instance)#\(session)" }

    public var description: String { value }
}
