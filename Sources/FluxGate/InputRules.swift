import FluxProtocol

/// Field checks shared by the gate's routes; a failure is 1001, like any other bad body.
enum InputRules {
    static func email(_ value: String) throws(FluxError) {
        let parts = value.split(separator: "@", omittingEmptySubsequences: false)
        guard value.utf8.count <= 254, parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty,
            !value.unicodeScalars.contains(where: { $0.properties.isWhitespace || $0.value < 0x20 || $0 == "<" || $0 == ">" })
        else { throw FluxError(.badJSON, "invalid e-mail") }
    }

    /// A name is 1–64 characters without control characters and not all digits (a search for digits
    /// means a uid).
    static func userName(_ value: String) throws(FluxError) {
        guard (1...64).contains(value.count),
            !value.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }),
            !value.allSatisfy(\.isASCIIDigitCharacter)
        else { throw FluxError(.badJSON, "invalid user name") }
    }

    static func password(_ value: String) throws(FluxError) {
        guard (1...1024).contains(value.utf8.count) else { throw FluxError(.badJSON, "invalid password length") }
    }

    static func code(_ value: String) throws(FluxError) {
        guard (1...64).contains(value.utf8.count) else { throw FluxError(.badJSON, "invalid code") }
    }

    static func icon(_ value: String) throws(FluxError) {
        guard value.utf8.count <= 2048 else { throw FluxError(.badJSON, "icon too long") }
    }
}

extension Character {
    fileprivate var isASCIIDigitCharacter: Bool { isASCII && isNumber }
}
