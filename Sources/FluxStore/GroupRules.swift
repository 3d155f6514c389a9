/// The group rules of every `Store`, written once in SQL that SQLite and MariaDB both accept and run
/// inside the caller's transaction (`SQLSession`).
///
/// Every change first locks its group's row (an UPDATE that changes nothing), so changes to one group
/// and the texts stored to it are serialised across chat nodes; a change adding members also locks their
/// user rows (in uid order) before counting their groups. On MariaDB these transactions run READ
/// COMMITTED, so what is read after a lock is the newest committed state (not an older snapshot), and
/// no gap locks are taken (which would deadlock concurrent inserts); SQLite has one writer at a time.
enum GroupRules {
    // MARK: - Reads

    /// gid, name, owner (0 if none), member count, last seq, created at.
    static let infoColumns = """
        g.gid, g.name, COALESCE((SELECT o.uid FROM group_members o WHERE o.gid = g.gid AND o.role = 'owner'), 0),
        (SELECT COUNT(*) FROM group_members c WHERE c.gid = g.gid), g.last_seq, g.created_at
        """

    static func info(_ row: MariaDBRow) throws(StoreError) -> GroupInfo {
        GroupInfo(
            gid: try row.int(0), name: try row.text(1), ownerUID: try row.int(2), memberCount: Int(try row.int(3)),
            lastSeq: try row.int(4), createdAt: try row.int(5))
    }

    static func role(_ text: String) throws(StoreError) -> GroupRole {
        guard let role = GroupRole(rawValue: text) else { throw StoreError(.unavailable, "unknown group role '\(text)' in the store") }
        return role
    }

    static func detail(_ session: some SQLSession, gid: Int64) throws(StoreError) -> GroupDetail? {
        guard let row = try session.query("SELECT \(infoColumns) FROM chat_groups g WHERE g.gid = ?", [.int(gid)]).first else { return nil }
        let members = try session.query(
            """
            SELECT m.uid, m.role, u.name, u.nick, u.icon, m.joined_at, m.delivered_seq, m.read_seq
            FROM group_members m JOIN users u ON u.uid = m.uid WHERE m.gid = ? ORDER BY m.joined_at, m.uid
            """, [.int(gid)]
        ).map { row throws(StoreError) in
            GroupMember(
                uid: try row.int(0), role: try role(try row.text(1)), name: try row.text(2), nick: try row.text(3),
                icon: try row.text(4), joinedAt: try row.int(5), deliveredSeq: try row.int(6), readSeq: try row.int(7))
        }
        return GroupDetail(info: try info(row), members: members)
    }

    static func memberships(_ session: some SQLSession, of uid: Int64) throws(StoreError) -> [GroupMembership] {
        try session.query(
            """
            SELECT \(infoColumns), m.role, m.delivered_seq, m.read_seq
            FROM group_members m JOIN chat_groups g ON g.gid = m.gid WHERE m.uid = ? ORDER BY g.gid
            """, [.int(uid)]
        ).map { row throws(StoreError) in
            GroupMembership(info: try info(row), role: try role(try row.text(6)), deliveredSeq: try row.int(7), readSeq: try row.int(8))
        }
    }

    static func groups(_ session: some SQLSession, after: Int64, limit: Int) throws(StoreError) -> [GroupInfo] {
        try session.query("SELECT \(infoColumns) FROM chat_groups g WHERE g.gid > ? ORDER BY g.gid LIMIT ?", [.int(after), .int(Int64(limit))])
            .map(info)
    }

    // MARK: - Changes

    static func create(
        _ session: some SQLSession, name: String, owner: Int64, members: [Int64], limits: GroupLimits, now: Int64
    ) throws(StoreError) -> GroupOutcome<GroupDetail> {
        let known = try existingUsers(session, [owner] + members)
        guard known.contains(owner) else { return .notMember }
        let uids = unique([owner] + members).filter(known.contains)
        guard uids.count <= limits.maxMembers else { return .full }
        if let over = try overGroupLimit(session, uids, limits) { return .tooManyGroups(uid: over) }
        let gid = try session.run("INSERT INTO chat_groups (name, created_at, last_seq) VALUES (?, ?, 0)", [.text(name), .int(now)]).lastID
        for uid in uids {
            try insertMember(session, gid: gid, uid: uid, role: uid == owner ? .owner : .member, now: now, cursor: 0)
        }
        return try done(session, gid)
    }

    static func add(
        _ session: some SQLSession, gid: Int64, by: Int64, members: [Int64], limits: GroupLimits, now: Int64
    ) throws(StoreError) -> GroupOutcome<GroupAddition> {
        guard try lock(session, gid) else { return .noSuchGroup }
        guard let role = try role(session, gid: gid, uid: by) else { return .notMember }
        guard role.canManage else { return .notAllowed }
        let current = try memberUIDs(session, gid: gid)
        let known = try existingUsers(session, members)
        let new = unique(members).filter { known.contains($0) && !current.contains($0) }
        guard current.count + new.count <= limits.maxMembers else { return .full }
        if let over = try overGroupLimit(session, new, limits) { return .tooManyGroups(uid: over) }
        // New members start at the newest text: what was said before they joined is history.
        let lastSeq = try session.query("SELECT last_seq FROM chat_groups WHERE gid = ?", [.int(gid)]).first?.int(0) ?? 0
        for uid in new { try insertMember(session, gid: gid, uid: uid, role: .member, now: now, cursor: lastSeq) }
        guard let detail = try detail(session, gid: gid) else { return .noSuchGroup }
        return .done(GroupAddition(detail: detail, added: new))
    }

    static func leave(_ session: some SQLSession, gid: Int64, uid: Int64) throws(StoreError) -> GroupOutcome<GroupDeparture> {
        guard try lock(session, gid) else { return .noSuchGroup }
        guard let role = try role(session, gid: gid, uid: uid) else { return .notMember }
        try session.run("DELETE FROM group_members WHERE gid = ? AND uid = ?", [.int(gid), .int(uid)])
        guard let heir = try session.query(
            """
            SELECT uid FROM group_members WHERE gid = ?
            ORDER BY CASE role WHEN 'admin' THEN 0 ELSE 1 END, joined_at, uid LIMIT 1
            """, [.int(gid)]
        ).first?.int(0) else {
            try dissolve(session, gid: gid)
            return .done(GroupDeparture(detail: nil, newOwner: nil))
        }
        var newOwner: Int64?
        if role == .owner {
            try session.run("UPDATE group_members SET role = 'owner' WHERE gid = ? AND uid = ?", [.int(gid), .int(heir)])
            newOwner = heir
        }
        return .done(GroupDeparture(detail: try detail(session, gid: gid), newOwner: newOwner))
    }

    static func remove(_ session: some SQLSession, gid: Int64, by: Int64, uid: Int64) throws(StoreError) -> GroupOutcome<GroupDetail> {
        guard try lock(session, gid) else { return .noSuchGroup }
        guard let actor = try role(session, gid: gid, uid: by) else { return .notMember }
        guard by != uid else { return .notAllowed }
        guard let target = try role(session, gid: gid, uid: uid) else { return .notMember }
        guard actor == .owner || (actor == .admin && target == .member) else { return .notAllowed }
        try session.run("DELETE FROM group_members WHERE gid = ? AND uid = ?", [.int(gid), .int(uid)])
        return try done(session, gid)
    }

    static func rename(_ session: some SQLSession, gid: Int64, by: Int64, name: String) throws(StoreError) -> GroupOutcome<GroupDetail> {
        guard try lock(session, gid) else { return .noSuchGroup }
        guard let actor = try role(session, gid: gid, uid: by) else { return .notMember }
        guard actor.canManage else { return .notAllowed }
        try session.run("UPDATE chat_groups SET name = ? WHERE gid = ?", [.text(name), .int(gid)])
        return try done(session, gid)
    }

    static func setRole(
        _ session: some SQLSession, gid: Int64, by: Int64, uid: Int64, role new: GroupRole
    ) throws(StoreError) -> GroupOutcome<GroupDetail> {
        guard try lock(session, gid) else { return .noSuchGroup }
        guard let actor = try role(session, gid: gid, uid: by) else { return .notMember }
        guard actor == .owner, new != .owner else { return .notAllowed }
        guard let target = try role(session, gid: gid, uid: uid) else { return .notMember }
        guard target != .owner else { return .notAllowed }
        try session.run("UPDATE group_members SET role = ? WHERE gid = ? AND uid = ?", [.text(new.rawValue), .int(gid), .int(uid)])
        return try done(session, gid)
    }

    static func delete(_ session: some SQLSession, gid: Int64) throws(StoreError) -> [Int64]? {
        guard try lock(session, gid) else { return nil }
        let members = try session.query("SELECT uid FROM group_members WHERE gid = ? ORDER BY uid", [.int(gid)]).map { row throws(StoreError) in try row.int(0) }
        try dissolve(session, gid: gid)
        return members
    }

    /// `uid` leaves every group (the account is being deleted): ownership passes on as when leaving.
    static func leaveAll(_ session: some SQLSession, uid: Int64) throws(StoreError) {
        let gids = try session.query("SELECT gid FROM group_members WHERE uid = ? ORDER BY gid", [.int(uid)]).map { row throws(StoreError) in try row.int(0) }
        for gid in gids { _ = try leave(session, gid: gid, uid: uid) }
    }

    // MARK: - Helpers

    /// Locks the group's row until commit; false if there is no such group.
    static func lock(_ session: some SQLSession, _ gid: Int64) throws(StoreError) -> Bool {
        try session.run("UPDATE chat_groups SET last_seq = last_seq WHERE gid = ?", [.int(gid)])
        return try !session.query("SELECT gid FROM chat_groups WHERE gid = ?", [.int(gid)]).isEmpty
    }

    static func role(_ session: some SQLSession, gid: Int64, uid: Int64) throws(StoreError) -> GroupRole? {
        guard let row = try session.query(
            "SELECT role FROM group_members WHERE gid = ? AND uid = ?", [.int(gid), .int(uid)]).first
        else { return nil }
        return try role(try row.text(0))
    }

    static func memberUIDs(_ session: some SQLSession, gid: Int64) throws(StoreError) -> [Int64] {
        try session.query("SELECT uid FROM group_members WHERE gid = ? ORDER BY uid", [.int(gid)])
            .map { row throws(StoreError) in try row.int(0) }
    }

    private static func done(_ session: some SQLSession, _ gid: Int64) throws(StoreError) -> GroupOutcome<GroupDetail> {
        guard let detail = try detail(session, gid: gid) else { return .noSuchGroup }
        return .done(detail)
    }

    private static func dissolve(_ session: some SQLSession, gid: Int64) throws(StoreError) {
        try session.run("DELETE FROM group_messages WHERE gid = ?", [.int(gid)])
        try session.run("DELETE FROM group_members WHERE gid = ?", [.int(gid)])
        try session.run("DELETE FROM chat_groups WHERE gid = ?", [.int(gid)])
    }

    private static func insertMember(
        _ session: some SQLSession, gid: Int64, uid: Int64, role: GroupRole, now: Int64, cursor: Int64
    ) throws(StoreError) {
        try session.run(
            "INSERT INTO group_members (gid, uid, role, joined_at, delivered_seq, read_seq) VALUES (?, ?, ?, ?, ?, ?)",
            [.int(gid), .int(uid), .text(role.rawValue), .int(now), .int(cursor), .int(cursor)])
    }

    /// The first of `uids` already in `maxGroupsPerUser` groups. Their user rows are locked first (in
    /// uid order), so two groups cannot both take a user's last free place.
    private static func overGroupLimit(_ session: some SQLSession, _ uids: [Int64], _ limits: GroupLimits) throws(StoreError) -> Int64? {
        guard !uids.isEmpty else { return nil }
        let marks = placeholders(uids.count)
        try session.run("UPDATE users SET disabled = disabled WHERE uid IN (\(marks))", uids.map { .int($0) })
        var counts: [Int64: Int64] = [:]
        for row in try session.query(
            "SELECT uid, COUNT(*) FROM group_members WHERE uid IN (\(marks)) GROUP BY uid", uids.map { .int($0) })
        {
            counts[try row.int(0)] = try row.int(1)
        }
        return uids.first { counts[$0, default: 0] >= Int64(limits.maxGroupsPerUser) }
    }

    private static func existingUsers(_ session: some SQLSession, _ uids: [Int64]) throws(StoreError) -> Set<Int64> {
        let wanted = unique(uids)
        guard !wanted.isEmpty else { return [] }
        var found = Set<Int64>()
        for start in stride(from: 0, to: wanted.count, by: 500) {
            let chunk = wanted[start..<min(start + 500, wanted.count)]
            for row in try session.query("SELECT uid FROM users WHERE uid IN (\(placeholders(chunk.count)))", chunk.map { .int($0) }) {
                found.insert(try row.int(0))
            }
        }
        return found
    }

    static func placeholders(_ count: Int) -> String {
        Array(repeating: "?", count: count).joined(separator: ", ")
    }

    static func unique(_ uids: [Int64]) -> [Int64] {
        var seen = Set<Int64>()
        return uids.filter { seen.insert($0).inserted }
    }
}
