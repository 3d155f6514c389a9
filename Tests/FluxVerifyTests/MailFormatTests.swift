import Foundation
import FluxVerify
import Testing

@Suite struct MailFormatTests {
    @Test func rendersAnRFC5322Message() {
        let mail = MailMessage(
            from: "Flux <no-reply@flux.example>", to: "a@example.com", subject: "验证码",
            body: "Your code is 123456.\n您的验证码", date: Date(timeIntervalSince1970: 0))
        let text = mail.rendered()
        let (head, body) = { () -> (String, String) in
            let parts = text.components(separatedBy: "\r\n\r\n")
            return (parts[0], parts.dropFirst().joined(separator: "\r\n\r\n"))
        }()
        let headers = head.components(separatedBy: "\r\n")
        #expect(headers.contains("From: Flux <no-reply@flux.example>"))
        #expect(headers.contains("To: a@example.com"))
        #expect(headers.contains("Subject: =?UTF-8?B?6aqM6K+B56CB?="))
        #expect(headers.contains("Date: Thu, 01 Jan 1970 00:00:00 +0000"))
        #expect(headers.contains { $0.hasPrefix("Message-ID: <") && $0.hasSuffix("@flux.example>") })
        #expect(headers.contains("Content-Transfer-Encoding: quoted-printable"))
        #expect(body.contains("Your code is 123456."))
        #expect(body.contains("=E6=82=A8"))
        // Only CRLF line ends and 7-bit text on the wire.
        #expect(!text.replacingOccurrences(of: "\r\n", with: "").contains("\n"))
        #expect(text.utf8.allSatisfy { $0 < 0x80 })
    }

    @Test func longLinesAreSoftWrapped() {
        let body = String(repeating: "é", count: 100)
        let text = MailMessage(from: "a@b.c", to: "d@e.f", subject: "s", body: body).rendered()
        let bodyLines = text.components(separatedBy: "\r\n\r\n")[1].components(separatedBy: "\r\n")
        #expect(bodyLines.count > 1 && bodyLines.allSatisfy { $0.count <= 76 })
    }

    @Test func parsesSMTPURLs() throws {
        let plain = try SMTPURL(parsing: "smtp://127.0.0.1:2525")
        #expect(plain.host == "127.0.0.1" && plain.port == 2525 && plain.user == nil && plain.tls == .verify)
        let auth = try SMTPURL(parsing: "smtp://bot%40example.com:p%40ss@mail.example.com:587?tls=insecure")
        #expect(auth.user == "bot@example.com" && auth.password == "p@ss" && auth.tls == .insecure)
        #expect(try SMTPURL(parsing: "smtp://mail.example.com").port == 25)
        #expect(throws: MailError.self) { try SMTPURL(parsing: "http://x") }
        #expect(throws: MailError.self) { try SMTPURL(parsing: "smtp://x:25?tls=maybe") }
        #expect(throws: MailError.self) { try SMTPURL(parsing: "smtp://:25") }
    }
}
