import Foundation

/// A store whose groups are `GroupRules` run in its own transactions: SQLite and MariaDB give the two
/// ways in, and every `GroupStore` call is written once, here.
protocol SQLGroupStore: GroupStore {
    /// Runs `body` in one write transaction (retried by the store as its other writes are).
    func groupWrite<T: Sendable>(_ body: @escaping @Sendable (any SQLSession) throws(StoreError) -> T) async throws(StoreError) -> T
    /// Runs `body` as a read.
    func groupRead<T: Sendable>(_ body: @escaping @Sendable (any SQLSession) throws(StoreError) -> T) async throws(StoreError) -> T
}

extension SQLGroupStore {
    private static var now: Int64 { Int64(Date().timeIntervalSince1970 * 1000) }

    public func createGroup(name: String, owner: Int64, members: [Int64], limits: GroupLimits) async throws(StoreError)
        -> GroupOutcome<GroupDetail>
    {
        let now = Self.now
        return try await groupWrite { session throws(StoreError) in
            try GroupRules.create(session, name: name, owner: owner, members: members, limits: limits, now: now)
        }
    }

    public func addGroupMembers(gid: Int64, by: Int64, members: [Int64], limits: GroupLimits) async throws(StoreError)
        -> GroupOutcome<GroupAddition>
    {
        let now = Self.now
        return try await groupWrite { session throws(StoreError) in
            try GroupRules.add(session, gid: gid, by: by, members: members, limits: limits, now: now)
        }
    }

    public func leaveGroup(gid: Int64, uid: Int64) async throws(StoreError) -> GroupOutcome<GroupDeparture> {
        try await groupWrite { session throws(StoreError) in try GroupRules.leave(session, gid: gid, uid: uid) }
    }

    public func removeGroupMember(gid: Int64, by: Int64, uid: Int64) async throws(StoreError) -> GroupOutcome<GroupDetail> {
        try await groupWrite { session throws(StoreError) in try GroupRules.remove(session, gid: gid, by: by, uid: uid) }
    }

    public func renameGroup(gid: Int64, by: Int64, name: String) async throws(StoreError) -> GroupOutcome<GroupDetail> {
        try await groupWrite { session throws(StoreError) in try GroupRules.rename(session, gid: gid, by: by, name: name) }
    }

    public func setGroupRole(gid: Int64, by: Int64, uid: Int64, role: GroupRole) async throws(StoreError) -> GroupOutcome<GroupDetail> {
        try await groupWrite { session throws(StoreError) in try GroupRules.setRole(session, gid: gid, by: by, uid: uid, role: role) }
    }

    public func groupDetail(gid: Int64) async throws(StoreError) -> GroupDetail? {
        try await groupRead { session throws(StoreError) in try GroupRules.detail(session, gid: gid) }
    }

    public func groupRole(gid: Int64, uid: Int64) async throws(StoreError) -> GroupRole? {
        try await groupRead { session throws(StoreError) in
            guard let row = try session.query("SELECT role FROM group_members WHERE gid = ? AND uid = ?", [.int(gid), .int(uid)]).first else {
                return nil
            }
            return try GroupRules.role(try row.text(0))
        }
    }

    public func groupMemberships(of uid: Int64) async throws(StoreError) -> [GroupMembership] {
        try await groupRead { session throws(StoreError) in try GroupRules.memberships(session, of: uid) }
    }

    public func groups(after: Int64, limit: Int) async throws(StoreError) -> [GroupInfo] {
        try await groupRead { session throws(StoreError) in try GroupRules.groups(session, after: after, limit: limit) }
    }

    public func deleteGroup(gid: Int64) async throws(StoreError) -> [Int64]? {
        try await groupWrite { session throws(StoreError) in try GroupRules.delete(session, gid: gid) }
    }

    public func appendGroupMessages(_ messages: [NewGroupMessage]) async throws(StoreError) -> [GroupAppendOutcome] {
        guard !messages.isEmpty else { return [] }
        let now = Self.now
        return try await groupWrite { session throws(StoreError) in try GroupRules.append(session, messages, now: now) }
    }

    public func groupHistory(gid: Int64, page: HistoryPage, limit: Int) async throws(StoreError) -> [StoredGroupMessage] {
        try await groupRead { session throws(StoreError) in try GroupRules.history(session, gid: gid, page: page, limit: limit) }
    }

    public func markGroupDelivered(_ cursors: [GroupCursor]) async throws(StoreError) {
        guard !cursors.isEmpty else { return }
        try await groupWrite { session throws(StoreError) in try GroupRules.markDelivered(session, cursors) }
    }

    public func markGroupRead(gid: Int64, uid: Int64, seq: Int64) async throws(StoreError) -> Bool {
        try await groupWrite { session throws(StoreError) in try GroupRules.markRead(session, gid: gid, uid: uid, seq: seq) }
    }

    public func groupsBehind(among uids: [Int64], storedBefore: Int64) async throws(StoreError) -> [GroupCursor] {
        guard !uids.isEmpty else { return [] }
        return try await groupRead { session throws(StoreError) in try GroupRules.behind(session, among: uids, storedBefore: storedBefore) }
    }

    public func groupMessageCount() async throws(StoreError) -> Int {
        try await groupRead { session throws(StoreError) in
            Int(try session.query("SELECT COUNT(*) FROM group_messages", []).first?.int(0) ?? 0)
        }
    }
}

extension SQLiteStore: SQLGroupStore {
    func groupWrite<T: Sendable>(_ body: @escaping @Sendable (any SQLSession) throws(StoreError) -> T) async throws(StoreError) -> T {
        try await write { db in try body(SQLiteSession(db: db)) }
    }

    func groupRead<T: Sendable>(_ body: @escaping @Sendable (any SQLSession) throws(StoreError) -> T) async throws(StoreError) -> T {
        try await read { db in try body(SQLiteSession(db: db)) }
    }
}

extension MariaDBStore: SQLGroupStore {
    func groupWrite<T: Sendable>(_ body: @escaping @Sendable (any SQLSession) throws(StoreError) -> T) async throws(StoreError) -> T {
        try await transaction(readCommitted: true) { connection throws(StoreError) in try body(connection) }
    }

    func groupRead<T: Sendable>(_ body: @escaping @Sendable (any SQLSession) throws(StoreError) -> T) async throws(StoreError) -> T {
        try await pool.run(.readOnly) { connection throws(StoreError) in try body(connection) }
    }
}
