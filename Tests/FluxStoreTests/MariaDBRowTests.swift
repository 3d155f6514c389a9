@testable import FluxStore
import Testing

/// Reading MariaDB results: a NULL is read as nil where the statement allows one, and is an error
/// where it does not, never as 0 or "".
@Suite struct MariaDBRowTests {
    @Test func nullIsNilOrAnErrorNeverZero() throws {
        let row = MariaDBRow(columns: [nil, "7", "-3", "x", ""])
        #expect(try row.optionalInt(0) == nil)
        #expect(try row.optionalText(0) == nil)
        #expect(throws: StoreError.self) { try row.int(0) }
        #expect(throws: StoreError.self) { try row.text(0) }
        #expect(try row.int(1) == 7 && row.optionalInt(1) == 7 && row.int(2) == -3)
        #expect(throws: StoreError.self) { try row.int(3) }
        #expect(throws: StoreError.self) { try row.optionalInt(3) }
        #expect(throws: StoreError.self) { try row.int(4) }
        #expect(try row.text(4) == "" && row.text(3) == "x")
        #expect(throws: StoreError.self) { try row.text(5) }
    }

    /// The server's NULLs, from an aggregate over no rows, reach the reads as NULL.
    @Test func aggregatesOverNoRowsOnTheServer() async throws {
        let server = try await TestMariaDB.make()
        let pool = MariaDBPool(url: server.url, threads: 1)
        let row = try await pool.run(.unlessSent) { connection throws(StoreError) in
            _ = try connection.execute("CREATE TABLE t (id BIGINT NOT NULL PRIMARY KEY)")
            return try connection.execute("SELECT MAX(id), COUNT(*), NULL, 0 FROM t").single()
        }
        #expect(try row.optionalInt(0) == nil)
        #expect(throws: StoreError.self) { try row.int(0) }
        #expect(try row.int(1) == 0)
        #expect(try row.optionalInt(2) == nil && row.int(3) == 0)
        await pool.shutdown()
    }
}
