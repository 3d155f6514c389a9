/// One of the four roles a `flux` process can run.
public enum Role: String, Sendable, Hashable, CaseIterable, Comparable {
    case gate, chat, status, verify

    /// Parses `all` or a comma list such as `gate,status`.
    public static func parseList(_ text: String) throws(ConfigurationError) -> Set<Role> {
        var roles = Set<Role>()
        for part in text.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) where !part.isEmpty {
            if part == "all" {
                roles.formUnion(Role.allCases)
            } else if let role = Role(rawValue: part) {
                roles.insert(role)
            } else {
                throw ConfigurationError(key: "role", "unknown role '\(part)' (expected all, gate, chat, status, verify or a comma list)")
            }
        }
        guard !roles.isEmpty else { throw ConfigurationError(key: "role", "no role given") }
        return roles
    }

    public static func < (a: Role, b: Role) -> Bool { a.rawValue < b.rawValue }
}

import Foundation
