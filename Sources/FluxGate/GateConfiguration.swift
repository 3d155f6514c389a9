/// Settings of the gate role; every field has the production default.
public struct GateConfiguration: Sendable, Hashable {
    /// Listen address.
    public var host: String = "0.0.0.0"
    public var port: Int = 8080
    /// Largest request body accepted; a larger one gets 413 with `{"error":1013}` and the connection closes.
    public var maxBodyBytes: Int = 16 * 1024
    /// Failed logins for one e-mail from one address within `loginFailureWindow` before further tries from
    /// that address wait, twice as long after each further failure (exponential back-off).
    public var maxLoginFailures: Int = 5
    /// Failed logins from one address (any e-mail) within `loginFailureWindow` before its tries back off.
    public var maxLoginFailuresPerAddress: Int = 30
    /// Failed logins for one e-mail (any address) after which every try for it is slowed down (never
    /// refused: the owner, from an address that has not failed, still gets in).
    public var loginSlowdownAfter: Int = 10
    public var loginFailureWindow: Duration = .seconds(900)
    /// Longest back-off of one address.
    public var maxLoginBackoff: Duration = .seconds(900)
    /// A request's head must be complete within this time of the connection opening.
    public var headerTimeout: Duration = .seconds(10)
    /// A request's body must be complete within this time of its head.
    public var bodyTimeout: Duration = .seconds(10)
    /// An idle keep-alive connection is closed after this time.
    public var keepAliveTimeout: Duration = .seconds(5)
    /// Connections held at once; nil: an eighth of the process's descriptor budget (at most 10,000).
    public var maxConnections: Int?
    /// Connections held at once from one client address.
    public var maxConnectionsPerAddress: Int = 64
    /// HTTPS: the certificate chain and key (PEM); nil serves plain HTTP.
    public var tlsCertificate: String?
    public var tlsKey: String?

    public init() {}
}
