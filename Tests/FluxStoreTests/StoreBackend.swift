import FluxStore
import Foundation

/// The `Store` implementations the conformance suite runs against. Add a case when an implementation
/// lands; every test then runs on it unchanged.
enum StoreBackend: String, CaseIterable, CustomStringConvertible, Sendable {
    case sqlite

    var description: String { rawValue }

    /// A fresh, empty store.
    func make() throws -> any Store {
        switch self {
        case .sqlite:
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("flux-store-\(UUID().uuidString)")
            return try SQLiteStore(path: folder.appendingPathComponent("flux.sqlite").path)
        }
    }
}

/// Unique names and e-mails so tests sharing a database server never collide.
func uniqueUser(_ prefix: String = "u") -> (name: String, email: String) {
    let tag = UUID().uuidString.prefix(8).lowercased()
    return ("\(prefix)-\(tag)", "\(prefix)-\(tag)@example.com")
}
