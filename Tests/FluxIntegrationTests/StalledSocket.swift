import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A blocking TCP client that writes frames and never reads, with a small receive buffer: a client
/// that has stopped reading.
final class StalledSocket: Sendable {
    private let fd: Int32

    init(port: Int) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var size: Int32 = 4096
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard result == 0 else { throw PortError() }
    }

    func send(id: UInt16, json: String) throws {
        var bytes = [UInt8(id >> 8), UInt8(id & 0xff), UInt8(json.utf8.count >> 8), UInt8(json.utf8.count & 0xff)]
        bytes += Array(json.utf8)
        guard Glibc.send(fd, bytes, bytes.count, Int32(MSG_NOSIGNAL)) == bytes.count else { throw PortError() }
    }

    func close() {
        Glibc.close(fd)
    }
}
