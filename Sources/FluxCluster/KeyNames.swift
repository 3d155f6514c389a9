/// The shared-state key names the cluster types own, kept identical to the original system's where it had
/// them (protocol reference §6) so an operator can read a Redis dump of either. Only the owner of a key
/// family (`TokenStore`, `PresenceDirectory`, `LoginLock`, `SharedProfileCache`, `NodeRegistry`) uses it.
enum KeyNames {
    /// The chat login token of a user.
    static func token(_ uid: Int64) -> String { "utoken_\(uid)" }
    /// Where a user is logged in: `<node>#<instance>#<session>`.
    static func presence(_ uid: Int64) -> String { "uip_\(uid)" }
    /// The per-user login lock (`SET NX` with expiry, compare-and-delete release).
    static func loginLock(_ uid: Int64) -> String { "lock:lock_\(uid)" }
    /// A user's cached profile (JSON, without the password hash).
    static func profile(_ uid: Int64) -> String { "ubaseinfo_\(uid)" }
    /// The registration of chat node `name` (JSON `NodeRecord`), expiring unless renewed.
    static func node(_ name: String) -> String { "node_\(name)" }
    /// The names of the registered chat nodes (a hash: name → "1").
    static let nodeIndex = "nodes"
    /// An operator's drain mark on node `name`: the run (instance) that was drained.
    static func nodeDrain(_ name: String) -> String { "nodedrain_\(name)" }
    /// Set while a health probe cannot reach node `name` on its client port.
    static func nodeDown(_ name: String) -> String { "nodedown_\(name)" }
    /// The run (instance) of chat node `name`, written at its start; gone means the KV lost its data.
    static func nodeMarker(_ name: String) -> String { "nodealive_\(name)" }
}
