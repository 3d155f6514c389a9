// The group calls of `InstrumentedStore`, timed and counted like the others.
extension InstrumentedStore {
    public func createGroup(name: String, owner: Int64, members: [Int64], limits: GroupLimits) async throws(StoreError)
        -> GroupOutcome<GroupDetail>
    {
        try await instruments.timed("createGroup") { () async throws(StoreError) in
            try await base.createGroup(name: name, owner: owner, members: members, limits: limits)
        }
    }
    public func addGroupMembers(gid: Int64, by: Int64, members: [Int64], limits: GroupLimits) async throws(StoreError)
        -> GroupOutcome<GroupAddition>
    {
        try await instruments.timed("addGroupMembers") { () async throws(StoreError) in
            try await base.addGroupMembers(gid: gid, by: by, members: members, limits: limits)
        }
    }
    public func leaveGroup(gid: Int64, uid: Int64) async throws(StoreError) -> GroupOutcome<GroupDeparture> {
        try await instruments.timed("leaveGroup") { () async throws(StoreError) in try await base.leaveGroup(gid: gid, uid: uid) }
    }
    public func removeGroupMember(gid: Int64, by: Int64, uid: Int64) async throws(StoreError) -> GroupOutcome<GroupDetail> {
        try await instruments.timed("removeGroupMember") { () async throws(StoreError) in try await base.removeGroupMember(gid: gid, by: by, uid: uid) }
    }
    public func renameGroup(gid: Int64, by: Int64, name: String) async throws(StoreError) -> GroupOutcome<GroupDetail> {
        try await instruments.timed("renameGroup") { () async throws(StoreError) in try await base.renameGroup(gid: gid, by: by, name: name) }
    }
    public func setGroupRole(gid: Int64, by: Int64, uid: Int64, role: GroupRole) async throws(StoreError) -> GroupOutcome<GroupDetail> {
        try await instruments.timed("setGroupRole") { () async throws(StoreError) in try await base.setGroupRole(gid: gid, by: by, uid: uid, role: role) }
    }
    public func groupDetail(gid: Int64) async throws(StoreError) -> GroupDetail? {
        try await instruments.timed("groupDetail") { () async throws(StoreError) in try await base.groupDetail(gid: gid) }
    }
    public func groupRole(gid: Int64, uid: Int64) async throws(StoreError) -> GroupRole? {
        try await instruments.timed("groupRole") { () async throws(StoreError) in try await base.groupRole(gid: gid, uid: uid) }
    }
    public func groupMemberships(of uid: Int64) async throws(StoreError) -> [GroupMembership] {
        try await instruments.timed("groupMemberships") { () async throws(StoreError) in try await base.groupMemberships(of: uid) }
    }
    public func groups(after: Int64, limit: Int) async throws(StoreError) -> [GroupInfo] {
        try await instruments.timed("groups") { () async throws(StoreError) in try await base.groups(after: after, limit: limit) }
    }
    public func deleteGroup(gid: Int64) async throws(StoreError) -> [Int64]? {
        try await instruments.timed("deleteGroup") { () async throws(StoreError) in try await base.deleteGroup(gid: gid) }
    }
    public func appendGroupMessages(_ messages: [NewGroupMessage]) async throws(StoreError) -> [GroupAppendOutcome] {
        try await instruments.timed("appendGroupMessages") { () async throws(StoreError) in try await base.appendGroupMessages(messages) }
    }
    public func groupHistory(gid: Int64, page: HistoryPage, limit: Int) async throws(StoreError) -> [StoredGroupMessage] {
        try await instruments.timed("groupHistory") { () async throws(StoreError) in try await base.groupHistory(gid: gid, page: page, limit: limit) }
    }
    public func markGroupDelivered(_ cursors: [GroupCursor]) async throws(StoreError) {
        try await instruments.timed("markGroupDelivered") { () async throws(StoreError) in try await base.markGroupDelivered(cursors) }
    }
    public func markGroupRead(gid: Int64, uid: Int64, seq: Int64) async throws(StoreError) -> Bool {
        try await instruments.timed("markGroupRead") { () async throws(StoreError) in try await base.markGroupRead(gid: gid, uid: uid, seq: seq) }
    }
    public func groupsBehind(among uids: [Int64], storedBefore: Int64) async throws(StoreError) -> [GroupCursor] {
        try await instruments.timed("groupsBehind") { () async throws(StoreError) in
            try await base.groupsBehind(among: uids, storedBefore: storedBefore)
        }
    }
    public func groupMessageCount() async throws(StoreError) -> Int {
        try await instruments.timed("groupMessageCount") { () async throws(StoreError) in try await base.groupMessageCount() }
    }
}
