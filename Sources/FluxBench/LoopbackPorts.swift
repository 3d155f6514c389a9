import FluxNet
#if canImport(Glibc)
import Glibc
#endif

/// A loopback TCP port that was free a moment ago (`FluxNet.freeLoopbackPort`).
func freeLoopbackPort() throws -> Int { try FluxNet.freeLoopbackPort() }

/// Whether something accepts TCP connections on loopback `port` now.
func loopbackAccepts(port: Int) -> Bool {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { return false }
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = in_port_t(UInt16(port).bigEndian)
    return withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    } == 0
}
