/// One step of a MariaDB migration: a statement, or Swift code for what SQL alone cannot do the same way
/// on MariaDB and MySQL (a step that must be skipped when already done, a value computed in Swift).
///
/// MariaDB commits each DDL statement at once, so a migration interrupted half-way is run again from its
/// first step: every step must be safe to run twice.
enum MariaDBMigrationStep: Sendable {
    case sql(String)
    case run(@Sendable (MariaDBConnection) throws(StoreError) -> Void)

    func apply(on connection: MariaDBConnection) throws(StoreError) {
        switch self {
        case .sql(let statement): _ = try connection.execute(statement)
        case .run(let body): try body(connection)
        }
    }
}
