/// What a MariaDB error number means for the connection and for running a call again. Decided on the
/// numbers of `mysql_errno` / `mysql_stmt_errno` only: message texts differ between servers, versions
/// and languages.
enum MariaDBErrorKind: Sendable, Equatable {
    /// The connection is dead or could not be made: the server restarted, went away, killed or timed out
    /// the connection, or is shutting down. The handle is dropped; the pool may run the call again on a
    /// new connection when that cannot apply a change twice.
    case connectionLost
    /// Another client-side failure (2xxx). The handle's state is unknown, so it is dropped too, but
    /// nothing says that running the call again would help.
    case clientFailure
    /// 1213 deadlock or 1205 lock wait timeout: InnoDB gave up on a lock; the transaction may run again.
    case lockConflict
    /// 1062: a unique key clashed.
    case duplicate
    /// Anything else the server reported.
    case other

    init(code: UInt32) {
        switch code {
        case 2002, 2003,  // CR_CONNECTION_ERROR, CR_CONN_HOST_ERROR: could not connect
            2006, 2013, 2055,  // CR_SERVER_GONE_ERROR, CR_SERVER_LOST, CR_SERVER_LOST_EXTENDED
            4031,  // ER_CLIENT_INTERACTION_TIMEOUT: the server closed a connection idle too long
            1927,  // ER_CONNECTION_KILLED
            1053:  // ER_SERVER_SHUTDOWN
            self = .connectionLost
        case 2000...2999: self = .clientFailure
        case 1213, 1205: self = .lockConflict
        case 1062: self = .duplicate
        default: self = .other
        }
    }

    /// Whether the connection handle must be closed: after these, its next statement would fail too.
    var dropsConnection: Bool { self == .connectionLost || self == .clientFailure }
}

extension StoreError {
    /// The MariaDB meaning of `serverCode` (`.other` when there is none).
    var mariaDBKind: MariaDBErrorKind { serverCode.map(MariaDBErrorKind.init(code:)) ?? .other }

    /// The error MariaDB or Connector/C reported as `code` and `message`.
    static func mariaDB(code: UInt32, message: String) -> StoreError {
        switch MariaDBErrorKind(code: code) {
        case .duplicate:
            // The server names the clashing key only in the text, at its end ("Duplicate entry 'x' for key
            // 'users_email'"; MySQL 8 writes 'users.users_email'), so the field is read from there; the
            // decision that it is a duplicate is the number's. The end, because the value may hold anything.
            // users_name_key: a look-alike of a taken name is a taken name.
            let keys = [("users_email'", "email"), ("users_name'", "name"), ("users_name_key'", "name"), ("messages_msgid'", "msgid")]
            let field = keys.first { message.hasSuffix($0.0) }?.1
            return StoreError(.duplicate, field: field, serverCode: code, "MariaDB error \(code): \(message)")
        case .connectionLost, .clientFailure:
            return StoreError(.unavailable, serverCode: code, "MariaDB connection lost (\(code)): \(message)")
        case .lockConflict, .other:
            return StoreError(.unavailable, serverCode: code, "MariaDB error \(code): \(message)")
        }
    }
}
