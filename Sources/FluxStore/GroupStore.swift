/// Durable group chat: groups, members with roles and cursors, and group texts stored once each.
///
/// Every change is one transaction that checks the acting user's role and the limits on locked rows,
/// so chat nodes deciding at the same time cannot break a rule together. The conformance suite in
/// `Tests/FluxStoreTests` runs against every implementation.
public protocol GroupStore: Sendable {
    /// Creates a group owned by `owner` with `members` (the owner need not be listed; unknown uids are
    /// skipped). Refused when it would exceed `limits`.
    func createGroup(name: String, owner: Int64, members: [Int64], limits: GroupLimits) async throws(StoreError)
        -> GroupOutcome<GroupDetail>
    /// `by` (owner or admin) adds `members`; those already in are skipped. A new member's cursors start at
    /// the newest text: they get what is sent from now on and read older texts through history.
    func addGroupMembers(gid: Int64, by: Int64, members: [Int64], limits: GroupLimits) async throws(StoreError)
        -> GroupOutcome<GroupAddition>
    /// `uid` leaves. An owner leaving hands ownership to the oldest admin, else the oldest member; the last
    /// member leaving dissolves the group (its texts are deleted).
    func leaveGroup(gid: Int64, uid: Int64) async throws(StoreError) -> GroupOutcome<GroupDeparture>
    /// `by` removes `uid`: the owner anyone else, an admin plain members. Returns the group afterwards.
    func removeGroupMember(gid: Int64, by: Int64, uid: Int64) async throws(StoreError) -> GroupOutcome<GroupDetail>
    /// `by` (owner or admin) renames the group.
    func renameGroup(gid: Int64, by: Int64, name: String) async throws(StoreError) -> GroupOutcome<GroupDetail>
    /// `by` (the owner) makes `uid` an admin or a plain member (`.owner` is refused: ownership passes only
    /// by leaving).
    func setGroupRole(gid: Int64, by: Int64, uid: Int64, role: GroupRole) async throws(StoreError) -> GroupOutcome<GroupDetail>
    /// The group with its members, or nil.
    func groupDetail(gid: Int64) async throws(StoreError) -> GroupDetail?
    /// `uid`'s role in `gid`; nil when not a member (or no such group).
    func groupRole(gid: Int64, uid: Int64) async throws(StoreError) -> GroupRole?
    /// The groups `uid` belongs to, by gid.
    func groupMemberships(of uid: Int64) async throws(StoreError) -> [GroupMembership]
    /// Up to `limit` groups with a gid above `after`, by gid (operators).
    func groups(after: Int64, limit: Int) async throws(StoreError) -> [GroupInfo]
    /// Deletes a group with its members and texts (operators); returns its members, nil if no such group.
    func deleteGroup(gid: Int64) async throws(StoreError) -> [Int64]?

    /// Stores `messages` in one transaction, in order, each with the next sequence number of its group,
    /// checking in that transaction that each sender is a member. A text whose sender already stored its
    /// msgid in that group is not stored again: its stored copy is returned. One outcome per input.
    func appendGroupMessages(_ messages: [NewGroupMessage]) async throws(StoreError) -> [GroupAppendOutcome]
    /// Up to `limit` texts of group `gid`, oldest first.
    func groupHistory(gid: Int64, page: HistoryPage, limit: Int) async throws(StoreError) -> [StoredGroupMessage]
    /// Moves delivered cursors forward (never back; non-members are skipped).
    func markGroupDelivered(_ cursors: [GroupCursor]) async throws(StoreError)
    /// Moves `uid`'s read cursor in `gid` forward to `seq` (at most the newest text). False if `uid` is not
    /// a member.
    func markGroupRead(gid: Int64, uid: Int64, seq: Int64) async throws(StoreError) -> Bool
    /// The memberships of `uids` whose delivered cursor is behind a text stored before `storedBefore`
    /// (milliseconds since 1970), each with the delivered cursor: the members a chat node must catch up.
    func groupsBehind(among uids: [Int64], storedBefore: Int64) async throws(StoreError) -> [GroupCursor]
    /// Number of stored group texts.
    func groupMessageCount() async throws(StoreError) -> Int
}
