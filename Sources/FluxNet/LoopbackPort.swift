#if canImport(Glibc)
import Glibc
#endif

/// A loopback TCP port that was free a moment ago: a random one below the kernel's ephemeral range
/// (32768–60999), checked by binding it. Not port 0: the kernel hands a port just released by one
/// caller's check to the next caller, so processes starting side by side would pick the same ports, and
/// ephemeral ports are also the source ports of outgoing connections.
public func freeLoopbackPort() throws -> Int {
    for _ in 0..<200 {
        let port = Int.random(in: 10_000..<32_768)
        if loopbackPortIsFree(port) { return port }
    }
    throw LoopbackPortError()
}

/// Whether `port` can be bound on 127.0.0.1 now.
public func loopbackPortIsFree(_ port: Int) -> Bool {
    withLoopbackSocket(port) { fd, address, length in bind(fd, address, length) == 0 }
}

/// Whether something accepts TCP connections on loopback `port` now.
public func loopbackAccepts(port: Int) -> Bool {
    withLoopbackSocket(port) { fd, address, length in connect(fd, address, length) == 0 }
}

/// A new TCP socket and the address 127.0.0.1:`port`, for one call; the socket is closed after it.
private func withLoopbackSocket(_ port: Int, _ body: (Int32, UnsafePointer<sockaddr>, socklen_t) -> Bool) -> Bool {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { return false }
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = in_port_t(UInt16(port).bigEndian)
    return withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
}

/// No free port was found.

/// No free loopback port was found.
public struct LoopbackPortError: Error {
    public init() {}
}
