import FluxNet

/// A loopback TCP port that was free a moment ago (`FluxNet.freeLoopbackPort`, shared with the bench).
public func freeLoopbackPort() throws -> Int { try FluxNet.freeLoopbackPort() }

/// A socket call of a test failed.
public struct PortError: Error {
    public init() {}
}

/// Whether `port` can be bound on 127.0.0.1 now.
public func loopbackPortIsFree(_ port: Int) -> Bool { FluxNet.loopbackPortIsFree(port) }
