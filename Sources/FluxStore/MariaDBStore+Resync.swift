extension MariaDBStore {
    public func recipientsWithUndelivered(among uids: [Int64], storedBefore: Int64) async throws(StoreError) -> Set<Int64> {
        guard !uids.isEmpty else { return [] }
        return try await pool.run(.readOnly) { connection throws(StoreError) in
            var found = Set<Int64>()
            for start in stride(from: 0, to: uids.count, by: 500) {
                let chunk = Array(uids[start..<min(start + 500, uids.count)])
                let marks = Array(repeating: "?", count: chunk.count).joined(separator: ",")
                let rows = try connection.execute(
                    "SELECT DISTINCT to_uid FROM messages WHERE delivered = 0 AND to_uid IN (\(marks)) AND created_at < ?",
                    chunk.map { .int($0) } + [.int(storedBefore)]
                ).rows
                for row in rows { found.insert(try row.int(0)) }
            }
            return found
        }
    }
}
