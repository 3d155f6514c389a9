import Foundation

/// A blocking TCP client that writes frames and never reads, with a small receive buffer: a client
/// that has stopped reading.
final class StalledSocket: Sendable {
    private let socket: RawSocket

    init(port: Int) throws {
        socket = try RawSocket(port: port, receiveBuffer: 4096)
    }

    func send(id: UInt16, json: String) throws {
        var bytes = [UInt8(id >> 8), UInt8(id & 0xff), UInt8(json.utf8.count >> 8), UInt8(json.utf8.count & 0xff)]
        bytes += Array(json.utf8)
        guard socket.send(bytes: bytes) else { throw PortError() }
    }

    func close() {
        socket.close()
    }
}
