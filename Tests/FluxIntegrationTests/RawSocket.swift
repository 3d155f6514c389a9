import Foundation
import FluxTestSupport
#if canImport(Glibc)
import Glibc
#endif

/// A blocking TCP socket on loopback, from a chosen local address: for clients that misbehave (send half
/// a request and stall) and for reading exactly what a server answers.
final class RawSocket: @unchecked Sendable {
    // @unchecked: the descriptor is used by one task at a time (the test that owns the socket).
    let fd: Int32

    /// With `receiveBuffer`, the socket's receive buffer is that small (a client that reads slowly).
    init(port: Int, from local: String = "127.0.0.1", receiveBuffer: Int32? = nil) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw PortError() }
        if var size = receiveBuffer {
            setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        }
        var source = sockaddr_in()
        source.sin_family = sa_family_t(AF_INET)
        source.sin_addr.s_addr = inet_addr(local)
        _ = withUnsafePointer(to: &source) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard result == 0 else {
            Glibc.close(fd)
            throw PortError()
        }
    }

    func send(_ text: String) {
        let bytes = Array(text.utf8)
        _ = Glibc.send(fd, bytes, bytes.count, Int32(MSG_NOSIGNAL))
    }

    /// Everything the server sends until it closes the connection, or nil if it is still open after
    /// `timeout` (read on a thread of its own: the call blocks).
    func readToClose(timeout: Duration) async -> String? {
        let fd = self.fd
        let seconds = Int(timeout.components.seconds) + 1
        return await withCheckedContinuation { continuation in
            Thread.detachNewThread {
                var limit = timeval(tv_sec: seconds, tv_usec: 0)
                setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
                var received: [UInt8] = []
                var buffer = [UInt8](repeating: 0, count: 4096)
                while true {
                    let count = recv(fd, &buffer, buffer.count, 0)
                    if count > 0 { received += buffer[0..<count]; continue }
                    // 0: closed by the server; a reset: closed with our request unread; a timeout: still open.
                    let closed = count == 0 || errno == ECONNRESET
                    continuation.resume(returning: closed ? String(decoding: received, as: UTF8.self) : nil)
                    return
                }
            }
        }
    }

    func close() {
        Glibc.close(fd)
    }
}

/// Runs `curl` (for what URLSession cannot do here: a chosen source address, a private CA).
func curl(_ arguments: [String]) async throws -> (status: Int32, output: String) {
    try await withCheckedThrowingContinuation { continuation in
        Thread.detachNewThread {
            do {
                let process = ChildProcess()
                process.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
                process.arguments = ["-s", "--max-time", "10"] + arguments
                let output = Pipe()
                process.standardOutput = output
                process.standardError = FileHandle.nullDevice
                try process.run()
                let data = output.fileHandleForReading.readDataToEndOfFile()
                process.waitUntilExit()
                continuation.resume(returning: (process.terminationStatus, String(decoding: data, as: UTF8.self)))
            } catch {
                continuation.resume(throwing: error)
            }
        }
    }
}
