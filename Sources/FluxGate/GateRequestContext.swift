import Hummingbird
import NIOCore

/// The request context of the gate: Hummingbird's core storage plus the client's address for rate limits.
public struct GateRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The peer's IP address, if known.
    public let clientAddress: String?

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.clientAddress = source.channel.remoteAddress?.ipAddress
    }
}
