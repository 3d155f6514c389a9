import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A WebSocket client written from RFC 6455 with blocking sockets, for what a well-behaved client never
/// sends: binary and unmasked messages, bad envelopes, oversized messages, pings at chosen times. Reads
/// run on a thread of their own (they block).
final class RawWebSocket: @unchecked Sendable {
    // @unchecked: the socket and the read buffer are used by one task at a time (the test that owns it).
    private let socket: RawSocket
    private var buffered: [UInt8] = []
    /// The server closed the connection (seen by a read).
    private(set) var closed = false

    struct Message: Equatable {
        var opcode: UInt8
        var payload: [UInt8]
        var text: String { String(decoding: payload, as: UTF8.self) }
        /// The status code of a close message.
        var closeCode: Int? { opcode == 8 && payload.count >= 2 ? Int(payload[0]) << 8 | Int(payload[1]) : nil }
    }

    /// The HTTP status line and headers the server answered the upgrade with.
    private(set) var response = ""

    /// Connects and asks for the upgrade; check `upgraded` (a refusal leaves the answer in `response`).
    init(port: Int, path: String = "/ws", origin: String? = nil) async throws {
        socket = try RawSocket(port: port)
        var request = "GET \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
        if let origin { request += "Origin: \(origin)\r\n" }
        socket.send(request + "\r\n")
        var head: [UInt8] = []
        while !head.ends(with: Array("\r\n\r\n".utf8)) {
            guard let byte = try await readBytes(1, timeout: .seconds(5)).first else { break }
            head.append(byte)
        }
        response = String(decoding: head, as: UTF8.self)
    }

    var upgraded: Bool { response.hasPrefix("HTTP/1.1 101") }

    /// Sends one message (masked, as a client must, unless `masked` is false).
    func send(opcode: UInt8, _ payload: [UInt8], fin: Bool = true, masked: Bool = true) {
        var frame: [UInt8] = [(fin ? 0x80 : 0) | opcode]
        let mask: UInt8 = masked ? 0x80 : 0
        if payload.count < 126 {
            frame.append(mask | UInt8(payload.count))
        } else if payload.count < 65536 {
            frame += [mask | 126, UInt8(payload.count >> 8), UInt8(payload.count & 0xFF)]
        } else {
            frame.append(mask | 127)
            frame += (0..<8).reversed().map { UInt8((payload.count >> ($0 * 8)) & 0xFF) }
        }
        if masked {
            let key: [UInt8] = [0x12, 0x34, 0x56, 0x78]
            frame += key
            frame += payload.enumerated().map { $0.element ^ key[$0.offset % 4] }
        } else {
            frame += payload
        }
        socket.send(bytes: frame)
    }

    func send(text: String) { send(opcode: 1, Array(text.utf8)) }

    /// The next message from the server, or nil if none came within `timeout` or the connection closed.
    func next(timeout: Duration = .seconds(5)) async throws -> Message? {
        let header = try await readBytes(2, timeout: timeout)
        guard header.count == 2 else { return nil }
        var length = Int(header[1] & 0x7F)
        if length == 126 {
            let extended = try await readBytes(2, timeout: timeout)
            length = Int(extended[0]) << 8 | Int(extended[1])
        } else if length == 127 {
            let extended = try await readBytes(8, timeout: timeout)
            length = extended.reduce(0) { $0 << 8 | Int($1) }
        }
        let payload = try await readBytes(length, timeout: timeout)
        guard payload.count == length else { return nil }
        return Message(opcode: header[0] & 0x0F, payload: payload)
    }

    /// The next text message's `{"id", "body"}` as JSON, skipping other kinds of message.
    func nextEnvelope(timeout: Duration = .seconds(5)) async throws -> (id: Int, body: [String: Any])? {
        while let message = try await next(timeout: timeout) {
            guard message.opcode == 1 else { continue }
            let json = (try? JSONSerialization.jsonObject(with: Data(message.payload))) as? [String: Any] ?? [:]
            return (json["id"] as? Int ?? -1, json["body"] as? [String: Any] ?? [:])
        }
        return nil
    }

    func close() { socket.close() }

    /// Up to `count` bytes: fewer only when the connection closed or `timeout` passed first.
    private func readBytes(_ count: Int, timeout: Duration) async throws -> [UInt8] {
        while buffered.count < count {
            guard let more = await socket.read(timeout: timeout) else { break }
            guard !more.isEmpty else {
                closed = true
                break
            }
            buffered += more
        }
        let taken = Array(buffered.prefix(count))
        buffered.removeFirst(taken.count)
        return taken
    }
}

extension RawSocket {
    /// Whether all of `bytes` were handed to the kernel.
    @discardableResult
    func send(bytes: [UInt8]) -> Bool {
        Glibc.send(fd, bytes, bytes.count, Int32(MSG_NOSIGNAL)) == bytes.count
    }

    /// What one `recv` returns (nil: nothing within `timeout`; empty: closed), on a thread of its own.
    func read(timeout: Duration) async -> [UInt8]? {
        let fd = self.fd
        return await withCheckedContinuation { continuation in
            Thread.detachNewThread {
                var limit = timeval(tv_sec: Int(timeout.components.seconds), tv_usec: Int(timeout.components.attoseconds / 1_000_000_000_000))
                setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
                var buffer = [UInt8](repeating: 0, count: 65536)
                let count = recv(fd, &buffer, buffer.count, 0)
                if count > 0 {
                    continuation.resume(returning: Array(buffer[0..<count]))
                } else if count == 0 || errno == ECONNRESET {
                    continuation.resume(returning: [])
                } else {
                    continuation.resume(returning: nil)
                }
            }
        }
    }
}

private extension Array where Element == UInt8 {
    func ends(with suffix: [UInt8]) -> Bool { count >= suffix.count && Array(self[(count - suffix.count)...]) == suffix }
}
