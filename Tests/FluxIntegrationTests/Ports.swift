import FluxTestSupport

/// A loopback TCP port that was free a moment ago (`FluxTestSupport.freeLoopbackPort`).
func freeLoopbackPort() throws -> Int { try FluxTestSupport.freeLoopbackPort() }

/// A socket call failed.
typealias PortError = FluxTestSupport.PortError
