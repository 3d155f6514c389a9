/// A statement parameter for MariaDB.
enum MariaDBValue: Sendable {
    case null
    case int(Int64)
    case text(String)
}

extension MariaDBValue: ExpressibleByIntegerLiteral, ExpressibleByStringLiteral {
    init(integerLiteral value: Int64) { self = .int(value) }
    init(stringLiteral value: String) { self = .text(value) }
}

/// One result row: each column as text or NULL, in the statement's order.
///
/// Every read says whether a NULL may come: `int` and `text` are for NOT NULL columns and aggregates that
/// always have a value (`COUNT`), and fail on a NULL; `optionalInt` and `optionalText` are for columns
/// that may be NULL (`MAX` of no rows, an outer join). A NULL is never read as 0 or "": a wrong 0 would
/// pass for a real uid, sequence number or count.
struct MariaDBRow: Sendable {
    let columns: [String?]

    /// The integer in column `index`; NULL or anything but an integer is an error.
    func int(_ index: Int) throws(StoreError) -> Int64 {
        guard let value = try optionalInt(index) else { throw Self.unexpectedNull(index) }
        return value
    }

    /// The integer in column `index`, nil for NULL; anything but an integer is an error.
    func optionalInt(_ index: Int) throws(StoreError) -> Int64? {
        guard let text = try optionalText(index) else { return nil }
        guard let value = Int64(text) else {
            throw StoreError(.unavailable, "MariaDB column \(index) is not an integer: \(text.prefix(40))")
        }
        return value
    }

    /// The text in column `index`; NULL is an error.
    func text(_ index: Int) throws(StoreError) -> String {
        guard let value = try optionalText(index) else { throw Self.unexpectedNull(index) }
        return value
    }

    /// The text in column `index`, nil for NULL.
    func optionalText(_ index: Int) throws(StoreError) -> String? {
        guard columns.indices.contains(index) else {
            throw StoreError(.unavailable, "MariaDB row has \(columns.count) columns; column \(index) was read")
        }
        return columns[index]
    }

    private static func unexpectedNull(_ index: Int) -> StoreError {
        StoreError(.unavailable, "MariaDB returned NULL in column \(index), which must have a value")
    }
}
