// Group texts and cursors.
extension GroupRules {
    static let messageColumns = "gid, seq, from_uid, client_msgid, content, created_at"

    static func message(_ row: MariaDBRow) throws(StoreError) -> StoredGroupMessage {
        StoredGroupMessage(
            gid: try row.int(0), seq: try row.int(1), fromUID: try row.int(2), clientMsgID: try row.text(3),
            content: try row.text(4), createdAt: try row.int(5))
    }

    /// A text's identity for resends: sender and msgid (within one group).
    private struct TextKey: Hashable {
        var from: Int64
        var msgid: String
    }

    /// Per group (in gid order, so two writers never lock groups crosswise): lock the group row, read the
    /// members, find resends in one query, reserve the sequence numbers in one update, insert the new
    /// texts in multi-row inserts.
    static func append(_ session: some SQLSession, _ messages: [NewGroupMessage], now: Int64) throws(StoreError) -> [GroupAppendOutcome] {
        var outcomes = [GroupAppendOutcome](repeating: .notMember, count: messages.count)
        var byGroup: [Int64: [Int]] = [:]
        for (index, message) in messages.enumerated() { byGroup[message.gid, default: []].append(index) }
        for gid in byGroup.keys.sorted() {
            let indices = byGroup[gid]!
            guard try lock(session, gid) else { continue }
            let members = try memberUIDs(session, gid: gid)
            let memberSet = Set(members)
            let senders = indices.filter { memberSet.contains(messages[$0].fromUID) }
            let stored = try storedCopies(session, gid: gid, keys: senders.map { TextKey(from: messages[$0].fromUID, msgid: messages[$0].clientMsgID) })
            var firstIndex: [TextKey: Int] = [:]
            var new: [Int] = []
            // The same msgid twice in one batch: the second is a resend of the first.
            var repeats: [(index: Int, first: Int)] = []
            for index in senders {
                let key = TextKey(from: messages[index].fromUID, msgid: messages[index].clientMsgID)
                if var copy = stored[key] {
                    copy.isDuplicate = true
                    copy.members = members
                    outcomes[index] = .stored(copy)
                } else if let first = firstIndex[key] {
                    repeats.append((index, first))
                } else {
                    firstIndex[key] = index
                    new.append(index)
                }
            }
            guard !new.isEmpty else { continue }
            let count = Int64(new.count)
            try session.run("UPDATE chat_groups SET last_seq = last_seq + ? WHERE gid = ?", [.int(count), .int(gid)])
            let last = try session.query("SELECT last_seq FROM chat_groups WHERE gid = ?", [.int(gid)]).first?.int(0) ?? 0
            var rows: [StoredGroupMessage] = []
            for (offset, index) in new.enumerated() {
                let message = messages[index]
                let text = StoredGroupMessage(
                    gid: gid, seq: last - count + 1 + Int64(offset), fromUID: message.fromUID, clientMsgID: message.clientMsgID,
                    content: message.content, createdAt: now, members: members)
                rows.append(text)
                outcomes[index] = .stored(text)
            }
            try insert(session, rows)
            // The sender has their own text: their cursors move past it when they were right before it
            // (else they move when the texts before it reach them, and catch-up skips their own).
            for text in rows {
                try session.run(
                    """
                    UPDATE group_members SET
                        delivered_seq = CASE WHEN delivered_seq = ? THEN ? ELSE delivered_seq END,
                        read_seq = CASE WHEN read_seq = ? THEN ? ELSE read_seq END
                    WHERE gid = ? AND uid = ?
                    """, [.int(text.seq - 1), .int(text.seq), .int(text.seq - 1), .int(text.seq), .int(gid), .int(text.fromUID)])
            }
            for (index, first) in repeats {
                guard case .stored(var copy) = outcomes[first] else { continue }
                copy.isDuplicate = true
                outcomes[index] = .stored(copy)
            }
        }
        return outcomes
    }

    private static func storedCopies(_ session: some SQLSession, gid: Int64, keys: [TextKey]) throws(StoreError) -> [TextKey: StoredGroupMessage] {
        let keys = Array(Set(keys))
        var found: [TextKey: StoredGroupMessage] = [:]
        for start in stride(from: 0, to: keys.count, by: 100) {
            let chunk = keys[start..<min(start + 100, keys.count)]
            let condition = Array(repeating: "(from_uid = ? AND client_msgid = ?)", count: chunk.count).joined(separator: " OR ")
            let rows = try session.query(
                "SELECT \(messageColumns) FROM group_messages WHERE gid = ? AND (\(condition))",
                [.int(gid)] + chunk.flatMap { [MariaDBValue.int($0.from), .text($0.msgid)] })
            for row in rows {
                let text = try message(row)
                found[TextKey(from: text.fromUID, msgid: text.clientMsgID)] = text
            }
        }
        return found
    }

    /// One multi-row INSERT per 100 texts.
    private static func insert(_ session: some SQLSession, _ texts: [StoredGroupMessage]) throws(StoreError) {
        for start in stride(from: 0, to: texts.count, by: 100) {
            let chunk = texts[start..<min(start + 100, texts.count)]
            let values = Array(repeating: "(?, ?, ?, ?, ?, ?)", count: chunk.count).joined(separator: ", ")
            try session.run(
                "INSERT INTO group_messages (\(messageColumns)) VALUES \(values)",
                chunk.flatMap { text in
                    [MariaDBValue.int(text.gid), .int(text.seq), .int(text.fromUID), .text(text.clientMsgID), .text(text.content), .int(text.createdAt)]
                })
        }
    }

    static func history(_ session: some SQLSession, gid: Int64, page: HistoryPage, limit: Int) throws(StoreError) -> [StoredGroupMessage] {
        let columns = messageColumns
        switch page {
        case .latest:
            return Array(try session.query(
                "SELECT \(columns) FROM group_messages WHERE gid = ? ORDER BY seq DESC LIMIT ?", [.int(gid), .int(Int64(limit))]
            ).map(message).reversed())
        case .before(let seq):
            return Array(try session.query(
                "SELECT \(columns) FROM group_messages WHERE gid = ? AND seq < ? ORDER BY seq DESC LIMIT ?",
                [.int(gid), .int(seq), .int(Int64(limit))]
            ).map(message).reversed())
        case .after(let seq):
            return try session.query(
                "SELECT \(columns) FROM group_messages WHERE gid = ? AND seq > ? ORDER BY seq LIMIT ?",
                [.int(gid), .int(seq), .int(Int64(limit))]
            ).map(message)
        }
    }

    /// Each (gid, uid) once, at its highest seq; only forward. Members of a group at the same seq (the
    /// usual case: they all got the group's newest text) move in one statement.
    static func markDelivered(_ session: some SQLSession, _ cursors: [GroupCursor]) throws(StoreError) {
        var highest: [Pair: Int64] = [:]
        for cursor in cursors { highest[Pair(gid: cursor.gid, uid: cursor.uid)] = max(highest[Pair(gid: cursor.gid, uid: cursor.uid)] ?? 0, cursor.seq) }
        var atSeq: [GroupSeq: [Int64]] = [:]
        for (pair, seq) in highest { atSeq[GroupSeq(gid: pair.gid, seq: seq), default: []].append(pair.uid) }
        for (key, uids) in atSeq.sorted(by: { ($0.key.gid, $0.key.seq) < ($1.key.gid, $1.key.seq) }) {
            let sorted = uids.sorted()
            for start in stride(from: 0, to: sorted.count, by: 500) {
                let chunk = sorted[start..<min(start + 500, sorted.count)]
                try session.run(
                    "UPDATE group_members SET delivered_seq = ? WHERE gid = ? AND uid IN (\(placeholders(chunk.count))) AND delivered_seq < ?",
                    [.int(key.seq), .int(key.gid)] + chunk.map { .int($0) } + [.int(key.seq)])
            }
        }
    }

    private struct Pair: Hashable {
        var gid: Int64
        var uid: Int64
    }

    private struct GroupSeq: Hashable {
        var gid: Int64
        var seq: Int64
    }

    static func markRead(_ session: some SQLSession, gid: Int64, uid: Int64, seq: Int64) throws(StoreError) -> Bool {
        guard let row = try session.query(
            "SELECT g.last_seq FROM group_members m JOIN chat_groups g ON g.gid = m.gid WHERE m.gid = ? AND m.uid = ?", [.int(gid), .int(uid)]
        ).first else { return false }
        let capped = min(seq, try row.int(0))
        try session.run(
            "UPDATE group_members SET read_seq = ? WHERE gid = ? AND uid = ? AND read_seq < ?", [.int(capped), .int(gid), .int(uid), .int(capped)])
        return true
    }

    static func behind(_ session: some SQLSession, among uids: [Int64], storedBefore: Int64) throws(StoreError) -> [GroupCursor] {
        var found: [GroupCursor] = []
        for start in stride(from: 0, to: uids.count, by: 500) {
            let chunk = Array(uids[start..<min(start + 500, uids.count)])
            let rows = try session.query(
                """
                SELECT m.gid, m.uid, m.delivered_seq FROM group_members m
                JOIN group_messages x ON x.gid = m.gid AND x.seq = m.delivered_seq + 1
                WHERE m.uid IN (\(placeholders(chunk.count))) AND x.created_at < ? ORDER BY m.uid, m.gid
                """, chunk.map { .int($0) } + [.int(storedBefore)])
            for row in rows { found.append(GroupCursor(gid: try row.int(0), uid: try row.int(1), seq: try row.int(2))) }
        }
        return found
    }
}
