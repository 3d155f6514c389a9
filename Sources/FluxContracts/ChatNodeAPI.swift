import FluxProtocol

/// What a chat node offers the other chat nodes.
public protocol ChatNodeAPI: Sendable {
    /// Queues each frame on its user's session here (users not here are skipped: their texts stay
    /// stored for their next login).
    func deliver(_ deliveries: [NodeDelivery]) async throws(FluxError)
    /// Queues each group text (1135) on the sessions here of the members it names (members not here are
    /// skipped: they catch up from the store at their next login).
    func deliverGroup(_ deliveries: [GroupDelivery]) async throws(FluxError)
    /// Sends 1021 to `uid`'s session `session` here and closes it.
    func kick(uid: Int64, session: String) async throws(FluxError)
    /// The logged-in sessions here.
    func sessions() async throws(FluxError) -> [SessionSummary]
    /// Draining: tells every client here where to reconnect (1119) and closes the sessions still here after
    /// `graceSeconds`; returns how many were told. Not draining: accepts assignments again (returns 0).
    func setDraining(_ draining: Bool, graceSeconds: Double) async throws(FluxError) -> Int
}
