/// The KV keys of verification codes, owned by `VerifyService` alone; named as in the original system
/// (protocol reference §6).
enum CodeKeys {
    /// The verification code of an e-mail.
    static func code(_ email: String) -> String { "code_\(email.lowercased())" }
    /// Wrong tries against the current code of an e-mail.
    static func tries(_ email: String) -> String { "codetries_\(email.lowercased())" }
    /// Resend cool-down marker of an e-mail.
    static func cooldown(_ email: String) -> String { "codecd_\(email.lowercased())" }
    /// Code requests from one client address in the current window.
    static func rate(_ address: String) -> String { "coderate_\(address)" }
}
