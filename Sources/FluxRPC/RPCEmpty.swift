/// The params or result of a call that carries nothing: `{}`.
public struct RPCEmpty: Codable, Sendable, Equatable {
    public init() {}
}
