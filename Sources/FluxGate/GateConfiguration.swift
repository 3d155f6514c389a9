/// Settings of the gate role; every field has the production default.
public struct GateConfiguration: Sendable, Hashable {
    /// Listen address.
    public var host: String = "0.0.0.0"
    public var port: Int = 8080
    /// Largest request body accepted; a larger one gets 413 with `{"error":1013}`.
    public var maxBodyBytes: Int = 16 * 1024
    /// Failed logins for one e-mail within `loginFailureWindow` before further tries get 1012.
    public var maxLoginFailures: Int = 10
    public var loginFailureWindow: Duration = .seconds(900)

    public init() {}
}
