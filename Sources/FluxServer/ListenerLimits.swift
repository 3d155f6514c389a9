import FluxNet

/// The connection caps of the gate and chat listeners of one process, shared out of its descriptor
/// budget unless configured: the gate gets an eighth (at most 10,000), chat the rest.
struct ListenerLimits {
    let gate: ConnectionLimiter
    let chat: ConnectionLimiter

    init(_ configuration: FluxConfiguration, budget: DescriptorBudget) {
        let runsGate = configuration.roles.contains(.gate)
        let gateShare = runsGate ? min(10_000, max(16, budget.forConnections / 8)) : 0
        gate = ConnectionLimiter(limits: .init(
            total: configuration.gate.maxConnections ?? gateShare, perAddress: configuration.gate.maxConnectionsPerAddress))
        chat = ConnectionLimiter(limits: .init(
            total: configuration.chat.maxConnections ?? max(16, budget.forConnections - gateShare),
            perAddress: configuration.chat.maxConnectionsPerAddress))
    }
}
