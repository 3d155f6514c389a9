internal import CMariaDB
import Foundation

/// One blocking MariaDB Connector/C connection. Every statement is a prepared statement, prepared once per
/// connection and kept (up to `cachedStatementLimit` of them): a repeated statement costs one round trip
/// (execute), not three (prepare, execute, close).
///
/// @unchecked Sendable: a connection is only ever used by the single thread-pool job that took it from
/// `MariaDBPool` and gives it back; no two threads touch it at once.
final class MariaDBConnection: @unchecked Sendable {
    struct Outcome {
        var rows: [MariaDBRow]
        var affectedRows: Int64
        var lastInsertID: Int64

        /// The one row the statement always returns (`COUNT(*)`, a row just written): none is an error.
        func single() throws(StoreError) -> MariaDBRow {
            guard let row = rows.first else { throw StoreError(.unavailable, "MariaDB returned no row where one was expected") }
            return row
        }
    }

    private var mysql: UnsafeMutablePointer<MYSQL>?
    private let url: MariaDBURL
    /// Prepared statements of the open connection, by SQL text.
    private var statements: [String: UnsafeMutablePointer<MYSQL_STMT>] = [:]
    /// More distinct statements than this (IN lists of every length) and the cache starts again.
    static let cachedStatementLimit = 64
    /// How many statements were handed to the server for execution, over every handle of this object.
    /// A failed statement whose execute was never sent (it failed connecting or preparing) changed
    /// nothing, which is what `MariaDBPool` checks before running a write again.
    private(set) var executionsSent = 0

    init(url: MariaDBURL) {
        self.url = url
    }

    deinit {
        close()
    }

    /// Whether a server connection is open. It may still turn out dead on its next statement.
    var isOpen: Bool { mysql != nil }

    /// Runs `sql` with `params` as a prepared statement, connecting first if no connection is open.
    /// After a lost connection (or another client-side failure) the handle is closed, so the next call
    /// connects afresh; the failed call is reported, and `MariaDBPool` decides whether it may run again.
    func execute(_ sql: String, _ params: [MariaDBValue] = []) throws(StoreError) -> Outcome {
        let mysql = try connected()
        do throws(StoreError) {
            return try run(sql, params, on: mysql)
        } catch {
            if error.mariaDBKind.dropsConnection { close() }
            throw error
        }
    }

    private func run(_ sql: String, _ params: [MariaDBValue], on mysql: UnsafeMutablePointer<MYSQL>, counted: Bool = true) throws(StoreError) -> Outcome {
        let statement = try prepared(sql, on: mysql)
        do throws(StoreError) {
            let outcome = try run(statement, params, counted: counted)
            mysql_stmt_free_result(statement)
            return outcome
        } catch {
            // A statement that failed is not trusted again: prepared anew next time.
            statements[sql] = nil
            mysql_stmt_close(statement)
            throw error
        }
    }

    /// The cached statement for `sql`, or a newly prepared one (then cached).
    private func prepared(_ sql: String, on mysql: UnsafeMutablePointer<MYSQL>) throws(StoreError) -> UnsafeMutablePointer<MYSQL_STMT> {
        if let statement = statements[sql] { return statement }
        guard let statement = mysql_stmt_init(mysql) else { throw failure(mysql) }
        let status = sql.utf8CString.withUnsafeBufferPointer { mysql_stmt_prepare(statement, $0.baseAddress, UInt(sql.utf8.count)) }
        guard status == 0 else {
            let error = failure(statement)
            mysql_stmt_close(statement)
            throw error
        }
        if statements.count >= Self.cachedStatementLimit { closeStatements() }
        statements[sql] = statement
        return statement
    }

    private func closeStatements() {
        for statement in statements.values { mysql_stmt_close(statement) }
        statements.removeAll()
    }

    private func run(_ statement: UnsafeMutablePointer<MYSQL_STMT>, _ params: [MariaDBValue], counted: Bool) throws(StoreError) -> Outcome {
        guard mysql_stmt_param_count(statement) == UInt(params.count) else {
            throw StoreError(.unavailable, "statement expects \(mysql_stmt_param_count(statement)) parameters, got \(params.count)")
        }

        var kinds: [Int32] = []
        var ints: [Int64] = []
        var texts: [UnsafeMutablePointer<CChar>?] = []
        var lengths: [UInt] = []
        defer { texts.forEach { $0?.deallocate() } }
        for param in params {
            switch param {
            case .null:
                kinds.append(0); ints.append(0); texts.append(nil); lengths.append(0)
            case .int(let value):
                kinds.append(1); ints.append(value); texts.append(nil); lengths.append(0)
            case .text(let value):
                let bytes = Array(value.utf8)
                let copy = UnsafeMutablePointer<CChar>.allocate(capacity: max(bytes.count, 1))
                bytes.withUnsafeBufferPointer { source in
                    source.withMemoryRebound(to: CChar.self) { copy.update(from: $0.baseAddress!, count: bytes.count) }
                }
                kinds.append(2); ints.append(0); texts.append(copy); lengths.append(UInt(bytes.count))
            }
        }
        // From here the statement may reach the server and change data.
        if counted { executionsSent += 1 }
        let status = kinds.withUnsafeBufferPointer { kindPointer in
            ints.withUnsafeBufferPointer { intPointer in
                lengths.withUnsafeBufferPointer { lengthPointer in
                    texts.map { UnsafePointer($0) }.withUnsafeBufferPointer { textPointer in
                        flux_stmt_execute(
                            statement, UInt32(params.count), kindPointer.baseAddress, intPointer.baseAddress,
                            textPointer.baseAddress, lengthPointer.baseAddress)
                    }
                }
            }
        }
        guard status == 0 else { throw failure(statement) }
        var outcome = Outcome(
            rows: [], affectedRows: Int64(bitPattern: UInt64(mysql_stmt_affected_rows(statement))),
            lastInsertID: Int64(mysql_stmt_insert_id(statement)))
        guard let result = flux_result_bind(statement) else {
            if mysql_stmt_errno(statement) != 0 { throw failure(statement) }
            return outcome
        }
        defer { flux_result_free(result) }
        while true {
            let fetched = mysql_stmt_fetch(statement)
            if fetched == MYSQL_NO_DATA { break }
            guard fetched == 0 || fetched == MYSQL_DATA_TRUNCATED else { throw failure(statement) }
            var columns: [String?] = []
            for index in 0..<result.pointee.count {
                if flux_result_is_null(result, index) != 0 {
                    columns.append(nil)
                } else {
                    let pointer = UnsafeRawPointer(flux_result_column(result, index)!)
                    // After MYSQL_DATA_TRUNCATED the length is the full value's: never read past the buffer.
                    let length = Int(min(flux_result_length(result, index), flux_result_capacity(result, index)))
                    columns.append(String(decoding: UnsafeRawBufferPointer(start: pointer, count: length), as: UTF8.self))
                }
            }
            outcome.rows.append(MariaDBRow(columns: columns))
        }
        return outcome
    }

    private func connected() throws(StoreError) -> UnsafeMutablePointer<MYSQL> {
        if let mysql { return mysql }
        guard let fresh = mysql_init(nil) else { throw StoreError(.unavailable, "mysql_init failed") }
        _ = flux_set_utf8mb4(fresh)
        _ = flux_set_timeouts(fresh, 10)
        guard mysql_real_connect(fresh, url.host, url.user, url.password, url.database, UInt32(url.port), nil, flux_client_found_rows()) != nil else {
            let code = mysql_errno(fresh)
            let message = String(cString: mysql_error(fresh))
            mysql_close(fresh)
            throw StoreError(.unavailable, serverCode: code, "MariaDB \(url) unreachable (\(code)): \(message)")
        }
        // Lock waits end well before the client's 10 s read timeout, as a retryable 1205. Part of
        // connecting, so not counted as a statement of the caller's.
        do throws(StoreError) {
            _ = try run("SET SESSION innodb_lock_wait_timeout = 5", [], on: fresh, counted: false)
        } catch {
            mysql_close(fresh)
            throw error
        }
        mysql = fresh
        return fresh
    }

    private func close() {
        closeStatements()
        if let mysql { mysql_close(mysql) }
        mysql = nil
    }

    private func failure(_ mysql: UnsafeMutablePointer<MYSQL>) -> StoreError {
        .mariaDB(code: mysql_errno(mysql), message: String(cString: mysql_error(mysql)))
    }

    private func failure(_ statement: UnsafeMutablePointer<MYSQL_STMT>) -> StoreError {
        .mariaDB(code: mysql_stmt_errno(statement), message: String(cString: mysql_stmt_error(statement)))
    }
}
