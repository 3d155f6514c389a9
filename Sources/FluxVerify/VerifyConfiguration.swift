/// Settings of the verify role; every field has the production default.
public struct VerifyConfiguration: Sendable, Hashable {
    /// Life of a code (the original's 600 s).
    public var codeLifetime: Duration = .seconds(600)
    /// Minimum time between two mails to one e-mail address.
    public var resendCooldown: Duration = .seconds(60)
    /// Wrong tries after which a code dies.
    public var maxWrongTries: Int = 5
    /// Code requests allowed from one client address per hour.
    public var requestsPerAddressPerHour: Int = 30
    /// The `From:` of verification mails.
    public var mailFrom: String = "Flux <no-reply@flux.local>"

    public init() {}
}
