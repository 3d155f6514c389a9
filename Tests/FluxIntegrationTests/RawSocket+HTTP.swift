import Foundation

extension RawSocket {
    /// Opens a connection to `port`, sends `text` and reads until the server closes it: what it answered
    /// (perhaps nothing), or nil if it was still open after `timeout`.
    static func answerBeforeClose(port: Int, sending text: String, timeout: Duration = .seconds(10)) async throws -> String? {
        let socket = try RawSocket(port: port)
        defer { socket.close() }
        socket.send(text)
        return await socket.readToClose(timeout: timeout)
    }

    /// Sends `GET /healthz` and reads the answer, leaving the connection open; whether it was a 200
    /// (false for a refusal, a close or no answer within `timeout`).
    func healthz(timeout: Duration = .seconds(10)) async -> Bool {
        send("GET /healthz HTTP/1.1\r\nHost: flux\r\n\r\n")
        return await readResponse(timeout: timeout)?.hasPrefix("HTTP/1.1 200") == true
    }

    /// One HTTP response read whole (its head, then `Content-Length` bytes of body, or the chunks up to
    /// the last), the connection left open; nil if the server closed it first or did not finish the
    /// response within `timeout`. Bytes after the response are dropped.
    func readResponse(timeout: Duration = .seconds(10)) async -> String? {
        var received: [UInt8] = []
        let deadline = ContinuousClock.now.advanced(by: timeout)
        while ContinuousClock.now < deadline {
            if let response = Self.completeResponse(in: received) { return response }
            guard let more = await read(timeout: .milliseconds(500)) else { continue }
            if more.isEmpty { return nil }
            received += more
        }
        return nil
    }

    /// The first complete response in `bytes`, if there is one.
    private static func completeResponse(in bytes: [UInt8]) -> String? {
        let text = String(decoding: bytes, as: UTF8.self)
        guard let headEnd = text.range(of: "\r\n\r\n") else { return nil }
        let head = text[..<headEnd.lowerBound].lowercased()
        let body = text[headEnd.upperBound...]
        let fields = head.split(separator: "\r\n").dropFirst()
        func field(_ name: String) -> String? {
            fields.first { $0.hasPrefix(name + ":") }.map { $0.dropFirst(name.count + 1).trimmingCharacters(in: .whitespaces) }
        }
        if let length = field("content-length").flatMap(Int.init) {
            guard body.utf8.count >= length else { return nil }
            return String(text[..<headEnd.upperBound]) + String(decoding: Array(body.utf8.prefix(length)), as: UTF8.self)
        }
        if field("transfer-encoding") == "chunked" {
            guard let last = body.range(of: "0\r\n\r\n") else { return nil }
            return String(text[..<last.upperBound])
        }
        return String(text[..<headEnd.upperBound])
    }
}
