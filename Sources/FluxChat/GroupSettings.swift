import FluxStore

/// Group limits (`group.*`), the same on every node.
public struct GroupSettings: Sendable, Hashable {
    /// Members per group, the owner included.
    public var maxMembers: Int = 500
    /// Groups one user may belong to.
    public var maxGroupsPerUser: Int = 200
    /// Group texts one member may send per second, over all their groups; more get 1134 with 1012.
    public var textsPerSecond: Int = 20
    /// Missed texts per group sent at login (the newest ones); older ones are read through history.
    public var backlogLimit: Int = 200
    /// Longest group name, in characters.
    public var maxNameLength: Int = 64

    public init() {}

    var limits: GroupLimits { GroupLimits(maxMembers: maxMembers, maxGroupsPerUser: maxGroupsPerUser) }
}
