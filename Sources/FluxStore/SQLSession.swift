import GRDB

/// One transaction's connection, the same to SQLite and MariaDB, so rules that are plain SQL both
/// accept (`GroupRules`) are written once. Values and rows are those of the MariaDB client (`MariaDBValue`,
/// `MariaDBRow`: every column as text or NULL), which reads every column type the same way.
protocol SQLSession {
    /// The rows of a query.
    func query(_ sql: String, _ arguments: [MariaDBValue]) throws(StoreError) -> [MariaDBRow]
    /// Runs a change; returns the rows it changed and the last auto-increment id it assigned.
    @discardableResult
    func run(_ sql: String, _ arguments: [MariaDBValue]) throws(StoreError) -> (changes: Int64, lastID: Int64)
}

extension MariaDBConnection: SQLSession {
    func query(_ sql: String, _ arguments: [MariaDBValue]) throws(StoreError) -> [MariaDBRow] {
        try execute(sql, arguments).rows
    }

    @discardableResult
    func run(_ sql: String, _ arguments: [MariaDBValue]) throws(StoreError) -> (changes: Int64, lastID: Int64) {
        let outcome = try execute(sql, arguments)
        return (outcome.affectedRows, outcome.lastInsertID)
    }
}

/// A GRDB database inside `write` or `read`, with statements cached per connection.
struct SQLiteSession: SQLSession {
    let db: Database

    func query(_ sql: String, _ arguments: [MariaDBValue]) throws(StoreError) -> [MariaDBRow] {
        do {
            let statement = try db.cachedStatement(sql: sql)
            return try Row.fetchAll(statement, arguments: Self.arguments(arguments)).map { row in
                MariaDBRow(columns: (0..<row.count).map { index in
                    let value: DatabaseValue = row[index]
                    switch value.storage {
                    case .null: return nil
                    case .int64(let number): return String(number)
                    case .double(let number): return String(number)
                    case .string(let text): return text
                    case .blob(let data): return String(decoding: data, as: UTF8.self)
                    }
                })
            }
        } catch {
            throw SQLiteStore.map(error)
        }
    }

    @discardableResult
    func run(_ sql: String, _ arguments: [MariaDBValue]) throws(StoreError) -> (changes: Int64, lastID: Int64) {
        do {
            try db.cachedStatement(sql: sql).execute(arguments: Self.arguments(arguments))
            return (Int64(db.changesCount), db.lastInsertedRowID)
        } catch {
            throw SQLiteStore.map(error)
        }
    }

    private static func arguments(_ values: [MariaDBValue]) -> StatementArguments {
        StatementArguments(values.map { value -> (any DatabaseValueConvertible)? in
            switch value {
            case .null: return nil
            case .int(let number): return number
            case .text(let text): return text
            }
        })
    }
}
