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
struct MariaDBRow: Sendable {
    let columns: [String?]

    func int(_ index: Int) -> Int64 { columns[index].flatMap { Int64($0) } ?? 0 }
    func text(_ index: Int) -> String { columns[index] ?? "" }
}
