#if canImport(Glibc)
import Glibc
#endif

/// The flood of the `flood` scenario: plain blocking sockets (no event loop: they only connect, send once
/// and are held) that each send half a request and then say nothing.
final class StalledConnections {
    private var descriptors: [Int32] = []

    /// Opens `count` connections to loopback `port`, spread evenly over the source addresses `sources`
    /// (so a per-address cap alone cannot refuse them), each sending `text`. A refused connect counts as
    /// not opened.
    init(count: Int, port: Int, sources: [String], sending text: String) {
        let bytes = Array(text.utf8)
        for index in 0..<count {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            guard fd >= 0 else { continue }
            guard Self.bind(fd, to: sources[index % sources.count]), Self.connect(fd, port: port),
                bytes.withUnsafeBytes({ send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }) == bytes.count
            else {
                close(fd)
                continue
            }
            descriptors.append(fd)
        }
    }

    /// How many connections were opened and sent their half request.
    var opened: Int { descriptors.count }

    /// How many of them the server has closed by now (end of stream or reset; its answer, such as a 503,
    /// is read and dropped).
    func closedByServer() -> Int {
        var closed = 0
        var buffer = [UInt8](repeating: 0, count: 4096)
        for fd in descriptors {
            while true {
                let read = recv(fd, &buffer, buffer.count, Int32(MSG_DONTWAIT))
                if read > 0 { continue }
                if read == 0 || (errno != EAGAIN && errno != EWOULDBLOCK) { closed += 1 }
                break
            }
        }
        return closed
    }

    func closeAll() {
        for fd in descriptors { close(fd) }
        descriptors = []
    }

    private static func bind(_ fd: Int32, to host: String) -> Bool {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr(host)
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
    }

    private static func connect(_ fd: Int32, port: Int) -> Bool {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
    }
}
