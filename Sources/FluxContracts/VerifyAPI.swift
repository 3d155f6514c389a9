import FluxProtocol

/// The verify role: e-mail codes with a limited life.
///
/// Errors are `FluxError`s carrying the protocol code the gate answers with.
public protocol VerifyAPI: Sendable {
    /// Sends the code for `email` (re-sending an unexpired one rather than replacing it).
    /// `clientAddress` is the requester's address, for the per-address limit.
    /// Throws 1012 within the resend cool-down or over the per-address limit, 1002 if the mail cannot be sent.
    func sendCode(email: String, clientAddress: String?) async throws(FluxError)
    /// Checks `code` for `email` without using it up: 1003 if there is no live code, 1004 if it is wrong
    /// (after a few wrong tries the code dies and later checks get 1003).
    func checkCode(email: String, code: String) async throws(FluxError)
    /// Uses up the code for `email` after a successful register or reset.
    func consumeCode(email: String, code: String) async throws(FluxError)
}
