/// The shared-state key names, kept identical to the original system's where it had them
/// (protocol reference §6) so an operator can read a Redis dump of either.
public enum KeyNames {
    /// The verification code of an e-mail.
    public static func code(_ email: String) -> String { "code_\(email.lowercased())" }
    /// Wrong tries against the current code of an e-mail.
    public static func codeTries(_ email: String) -> String { "codetries_\(email.lowercased())" }
    /// Resend cool-down marker of an e-mail.
    public static func codeCooldown(_ email: String) -> String { "codecd_\(email.lowercased())" }
    /// Code requests from one client address in the current window.
    public static func codeRate(_ address: String) -> String { "coderate_\(address)" }
    /// Failed logins for an e-mail in the current window.
    public static func loginFailures(_ email: String) -> String { "loginfail_\(email.lowercased())" }
    /// The chat login token of a user.
    public static func token(_ uid: Int64) -> String { "utoken_\(uid)" }
    /// Where a user is logged in: `<node>#<session>`.
    public static func presence(_ uid: Int64) -> String { "uip_\(uid)" }
    /// The per-user login lock (`SET NX` with expiry, compare-and-delete release).
    public static func loginLock(_ uid: Int64) -> String { "lock:lock_\(uid)" }
    /// A user's cached profile (JSON, without the password hash).
    public static func profile(_ uid: Int64) -> String { "ubaseinfo_\(uid)" }
}
