import FluxNet

/// A loopback TCP port that was free a moment ago (`FluxNet.freeLoopbackPort`).
func freeLoopbackPort() throws -> Int { try FluxNet.freeLoopbackPort() }

/// Whether something accepts TCP connections on loopback `port` now.
func loopbackAccepts(port: Int) -> Bool { FluxNet.loopbackAccepts(port: port) }
