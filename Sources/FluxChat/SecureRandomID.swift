import Foundation

/// A short random id (for a node's run).
enum SecureRandomID {
    static func make() -> String {
        UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(12).lowercased()
    }
}
