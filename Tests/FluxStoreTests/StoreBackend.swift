import FluxStore
import FluxTestSupport
import Foundation

/// The `Store` implementations the conformance suite runs against. Add a case when an implementation
/// lands; every test then runs on it unchanged.
enum StoreBackend: String, CaseIterable, CustomStringConvertible, Sendable {
    case sqlite
    /// A real MariaDB server, found through `FLUX_TEST_MARIADB_URL` (set by `make test` and `.ci/run`).
    case mariadb

    var description: String { rawValue }

    /// A fresh, empty store (for MariaDB, a new database on the test server).
    func make() async throws -> any Store {
        switch self {
        case .sqlite:
            let folder = URL(fileURLWithPath: TestFolder.path("flux-store"))
            return try SQLiteStore(path: folder.appendingPathComponent("flux.sqlite").path)
        case .mariadb:
            guard let base = ProcessInfo.processInfo.environment["FLUX_TEST_MARIADB_URL"], var url = try? MariaDBURL(parsing: base) else {
                throw MissingServer(
                    "FLUX_TEST_MARIADB_URL is not set: these tests need a real MariaDB server (make test starts one; or export FLUX_TEST_MARIADB_URL=mysql://user:password@127.0.0.1:3306/flux_test)")
            }
            url.database = "flux_t\(UUID().uuidString.prefix(8).lowercased())"
            try await MariaDBStore.createDatabase(url)
            return try await MariaDBStore(url: url, connections: 4)
        }
    }
}

struct MissingServer: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Unique names and e-mails so tests sharing a database server never collide.
func uniqueUser(_ prefix: String = "u") -> (name: String, email: String) {
    let tag = UUID().uuidString.prefix(8).lowercased()
    return ("\(prefix)-\(tag)", "\(prefix)-\(tag)@example.com")
}
