import COpenSSL
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// One blocking SMTP conversation over a socket, upgraded with OpenSSL on STARTTLS.
///
/// Used only inside a thread-pool job, from one thread, start to finish; never on an event loop.
final class SMTPConnection {
    struct Reply {
        var code: Int
        var lines: [String]
    }

    private var fd: Int32 = -1
    private var context: OpaquePointer?
    private var ssl: OpaquePointer?
    private var buffer: [UInt8] = []
    private let host: String

    var isTLS: Bool { ssl != nil }

    init(host: String, port: Int, timeoutSeconds: Int) throws(MailError) {
        self.host = host
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_family = AF_UNSPEC
        var result: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, String(port), &hints, &result) == 0, let first = result else {
            throw MailError("cannot resolve SMTP host \(host)")
        }
        defer { freeaddrinfo(result) }
        var candidate: UnsafeMutablePointer<addrinfo>? = first
        while let info = candidate {
            let socketFD = socket(info.pointee.ai_family, info.pointee.ai_socktype, info.pointee.ai_protocol)
            if socketFD >= 0 {
                var timeout = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
                setsockopt(socketFD, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
                setsockopt(socketFD, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
                if connect(socketFD, info.pointee.ai_addr, info.pointee.ai_addrlen) == 0 {
                    fd = socketFD
                    break
                }
                close(socketFD)
            }
            candidate = info.pointee.ai_next
        }
        guard fd >= 0 else { throw MailError("cannot connect to SMTP server \(host):\(port): \(String(cString: strerror(errno)))") }
    }

    deinit {
        if let ssl { SSL_free(ssl) }
        if let context { SSL_CTX_free(context) }
        if fd >= 0 { close(fd) }
    }

    /// Sends one command line (CRLF added) and reads the reply.
    @discardableResult
    func command(_ line: String, expect: ClosedRange<Int>) throws(MailError) -> Reply {
        try write(line + "\r\n")
        return try readReply(expect: expect, after: line.hasPrefix("AUTH") ? "AUTH" : line)
    }

    /// Reads one (possibly multi-line) reply and checks its code.
    func readReply(expect: ClosedRange<Int>, after command: String) throws(MailError) -> Reply {
        var lines: [String] = []
        while true {
            let line = try readLine()
            guard line.count >= 3, let code = Int(line.prefix(3)) else {
                throw MailError("malformed SMTP reply after \(command): \(line)")
            }
            lines.append(String(line.dropFirst(4)))
            let isLast = line.count == 3 || line[line.index(line.startIndex, offsetBy: 3)] != "-"
            if isLast {
                guard expect.contains(code) else {
                    throw MailError("SMTP server answered \(code) to \(command): \(lines.joined(separator: " "))")
                }
                return Reply(code: code, lines: lines)
            }
        }
    }

    func write(_ text: String) throws(MailError) {
        var bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let written: Int = bytes.withUnsafeMutableBytes { raw in
                let pointer = raw.baseAddress! + offset
                let remaining = raw.count - offset
                if let ssl { return Int(SSL_write(ssl, pointer, Int32(remaining))) }
                return Glibc.send(fd, pointer, remaining, Int32(MSG_NOSIGNAL))
            }
            guard written > 0 else { throw MailError("SMTP connection to \(host) broke while sending") }
            offset += written
        }
    }

    /// Upgrades the connection with TLS (after a 220 reply to STARTTLS).
    func startTLS(verify: Bool) throws(MailError) {
        guard let context = SSL_CTX_new(TLS_client_method()) else { throw MailError("SSL_CTX_new failed") }
        self.context = context
        if verify {
            SSL_CTX_set_default_verify_paths(context)
            SSL_CTX_set_verify(context, SSL_VERIFY_PEER, nil)
        }
        guard let ssl = SSL_new(context) else { throw MailError("SSL_new failed") }
        self.ssl = ssl
        SSL_set_fd(ssl, fd)
        _ = flux_SSL_set_tlsext_host_name(ssl, host)
        if verify { SSL_set1_host(ssl, host) }
        guard SSL_connect(ssl) == 1 else {
            let code = ERR_get_error()
            var text = [CChar](repeating: 0, count: 256)
            ERR_error_string_n(code, &text, text.count)
            throw MailError("TLS handshake with \(host) failed: \(String(decoding: text.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self))")
        }
        buffer.removeAll()
    }

    private func readLine() throws(MailError) -> String {
        while true {
            if let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                var lineBytes = Array(buffer[..<newline])
                buffer.removeSubrange(...newline)
                if lineBytes.last == UInt8(ascii: "\r") { lineBytes.removeLast() }
                return String(decoding: lineBytes, as: UTF8.self)
            }
            guard buffer.count < 64 * 1024 else { throw MailError("SMTP reply line too long") }
            var chunk = [UInt8](repeating: 0, count: 4096)
            let count: Int = chunk.withUnsafeMutableBytes { raw in
                if let ssl { return Int(SSL_read(ssl, raw.baseAddress, Int32(raw.count))) }
                return recv(fd, raw.baseAddress, raw.count, 0)
            }
            guard count > 0 else { throw MailError("SMTP connection to \(host) closed or timed out") }
            buffer += chunk[..<count]
        }
    }
}
