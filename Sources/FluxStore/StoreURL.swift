/// A parsed `FLUX_DB_URL`.
public enum StoreURL: Sendable, Hashable {
    /// `sqlite://PATH` — `sqlite:///abs/path` is absolute, `sqlite://rel/path` relative to the working folder.
    case sqlite(path: String)
    /// `mysql://user:password@host:port/database` — MySQL 8 or MariaDB.
    case mariadb(MariaDBURL)

    /// Parses `text`, or throws `.invalidURL` saying what is wrong.
    public init(parsing text: String) throws(StoreError) {
        if text.hasPrefix("sqlite://") {
            let path = String(text.dropFirst("sqlite://".count))
            guard !path.isEmpty else { throw StoreError(.invalidURL, "sqlite URL has no path (use sqlite:///abs/path or sqlite://rel/path)") }
            self = .sqlite(path: path)
        } else if text.hasPrefix("sqlite:") {
            let path = String(text.dropFirst("sqlite:".count))
            guard !path.isEmpty else { throw StoreError(.invalidURL, "sqlite URL has no path") }
            self = .sqlite(path: path)
        } else if text.hasPrefix("mysql://") || text.hasPrefix("mariadb://") {
            self = .mariadb(try MariaDBURL(parsing: text))
        } else {
            throw StoreError(.invalidURL, "unsupported scheme in '\(text)' (expected sqlite://PATH or mysql://user:password@host:port/database)")
        }
    }
}
