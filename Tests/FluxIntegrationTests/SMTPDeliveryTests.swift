import Foundation
import FluxTestSupport
import Testing

/// The verify role against a real SMTP server on loopback (Debian's `python3-aiosmtpd`).
///
/// `FLUX_TEST_SMTP_PYTHON` names a Python that has aiosmtpd (default `/usr/bin/python3`); the test fails
/// with that message when it has not, rather than passing silently.
///
/// aiosmtpd runs without STARTTLS here, so only `tls=off` may deliver to it: `verify` and `insecure` must
/// refuse before sending anything.
@Suite struct SMTPDeliveryTests {
    @Test func codeArrivesByMailAndRegistersTheUser() async throws {
        try await withSMTPServer { smtp in try await deliverAndRegister(smtp) }
    }

    @Test(arguments: ["verify", "insecure"])
    func serverWithoutStartTLSGetsNoMail(_ mode: String) async throws {
        try await withSMTPServer { smtp in
            try await TestFlux.run(environment: [
                "FLUX_MAIL_SMTP_URL": "smtp://127.0.0.1:\(smtp.port)?tls=\(mode)",
                "FLUX_MAIL_FROM": "Flux <codes@flux.test>",
            ]) { (flux: TestFlux) async throws in
                let reply = try await flux.gate.post("get_varifycode", ["email": "trent@example.com"])
                #expect(reply.error == 1002, "tls=\(mode) must not send to a server without STARTTLS")
                // The refusal comes before MAIL FROM, so by the time 1002 is answered nothing can follow.
                let delivered = (try? FileManager.default.contentsOfDirectory(atPath: smtp.maildir + "/new")) ?? []
                #expect(delivered.isEmpty, "mail reached the server in clear text: \(delivered)")
                #expect(flux.outbox.count == 0)
            }
        }
    }

    private func withSMTPServer(_ body: (SMTPTestServer) async throws -> Void) async throws {
        let python = ProcessInfo.processInfo.environment["FLUX_TEST_SMTP_PYTHON"] ?? "/usr/bin/python3"
        let smtp = try await SMTPTestServer.start(python: python)
        do {
            try await body(smtp)
        } catch {
            await smtp.stop()
            throw error
        }
        await smtp.stop()
    }

    private func deliverAndRegister(_ smtp: SMTPTestServer) async throws {
        try await TestFlux.run(environment: [
            // Clear text is allowed only when asked for: this server offers no STARTTLS.
            "FLUX_MAIL_SMTP_URL": "smtp://127.0.0.1:\(smtp.port)?tls=off",
            "FLUX_MAIL_FROM": "Flux <codes@flux.test>",
        ]) { (flux: TestFlux) async throws in
            let reply = try await flux.gate.post("get_varifycode", ["email": "mallory@example.com"])
            #expect(reply.error == 0)
            let code = try await Outbox(folder: smtp.maildir + "/new").code(for: "mallory@example.com", timeout: .seconds(10))
            #expect(code.count == 6)
            #expect(flux.outbox.count == 0, "with SMTP configured nothing goes to the dev outbox")
            let mail = try String(contentsOfFile: smtp.maildir + "/new/" + FileManager.default.contentsOfDirectory(atPath: smtp.maildir + "/new")[0], encoding: .utf8)
            #expect(mail.contains("From: Flux <codes@flux.test>"))
            let registered = try await flux.gate.post("user_register", [
                "email": "mallory@example.com", "user": "mallory", "passwd": "p", "confirm": "p", "icon": "", "varifycode": code,
            ])
            #expect(registered.error == 0)
        }
    }
}

/// `python3 -m aiosmtpd` writing every mail into a Maildir.
final class SMTPTestServer: Sendable {
    let port: Int
    let maildir: String
    private let process: ChildProcess

    private init(port: Int, maildir: String, process: ChildProcess) {
        self.port = port
        self.maildir = maildir
        self.process = process
    }

    static func start(python: String) async throws -> SMTPTestServer {
        let probe = ChildProcess()
        probe.executableURL = URL(fileURLWithPath: python)
        probe.arguments = ["-c", "import aiosmtpd"]
        probe.standardError = FileHandle.nullDevice
        do {
            try probe.run()
            probe.waitUntilExit()
        } catch {}
        guard probe.terminationStatus == 0, FileManager.default.fileExists(atPath: python) else {
            throw SMTPTestError(
                "aiosmtpd is missing: install Debian's python3-aiosmtpd (make deps) or set FLUX_TEST_SMTP_PYTHON to a Python that has it (tried \(python))")
        }
        let port = try freeLoopbackPort()
        let maildir = TestFolder.path("flux-maildir")
        let process = ChildProcess()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = ["-m", "aiosmtpd", "-n", "-l", "127.0.0.1:\(port)", "-c", "aiosmtpd.handlers.Mailbox", maildir]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let server = SMTPTestServer(port: port, maildir: maildir, process: process)
        // Wait until it accepts connections.
        if await eventually(within: .seconds(10), every: .milliseconds(100), { canConnect(port: port) }) { return server }
        await server.stop()
        throw SMTPTestError("aiosmtpd did not start listening on 127.0.0.1:\(port)")
    }

    /// Kills the server. SIGKILL because the child may inherit a mask that blocks SIGTERM from the test
    /// process's threads; polls rather than `waitUntilExit()`, which can block a cooperative thread.
    func stop() async {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            _ = await eventually(within: .seconds(2)) { !process.isRunning }
        }
        try? FileManager.default.removeItem(atPath: maildir)
    }
}

struct SMTPTestError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

#if canImport(Glibc)
import Glibc
#endif

func canConnect(port: Int) -> Bool {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { return false }
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = UInt16(port).bigEndian
    return withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    } == 0
}
