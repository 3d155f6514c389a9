import FluxTestSupport
import Foundation

/// Reads the verification codes the dev mailer (or a test SMTP server) wrote as mail files.
struct Outbox: Sendable {
    let folder: String

    /// The code in the newest mail to `email`, waiting briefly for the file to appear.
    func code(for email: String, timeout: Duration = .seconds(5)) async throws -> String {
        var code: String?
        if try await eventually(within: timeout, every: .milliseconds(50), { code = try newestCode(for: email); return code != nil }),
            let code
        {
            return code
        }
        throw OutboxError(message: "no mail to \(email) in \(folder)")
    }

    /// Number of mail files.
    var count: Int {
        (try? FileManager.default.contentsOfDirectory(atPath: folder).filter { !$0.hasPrefix(".") && !$0.hasSuffix(".tmp") }.count) ?? 0
    }

    /// Number of mail files addressed to `email`.
    func count(for email: String) throws -> Int {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder) else { return 0 }
        return names.filter { name in
            guard !name.hasPrefix("."), !name.hasSuffix(".tmp"),
                let text = try? String(contentsOfFile: folder + "/" + name, encoding: .utf8) else { return false }
            return text.replacingOccurrences(of: "\r\n", with: "\n").split(separator: "\n").contains("To: \(email)")
        }.count
    }

    private func newestCode(for email: String) throws -> String? {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder) else { return nil }
        let mails = names.filter { !$0.hasPrefix(".") && !$0.hasSuffix(".tmp") }.compactMap { name -> (Date, String, String)? in
            let path = folder + "/" + name
            // Maildir files from the SMTP server use LF line ends, the dev outbox CRLF.
            guard let text = try? String(contentsOfFile: path, encoding: .utf8),
                text.replacingOccurrences(of: "\r\n", with: "\n").split(separator: "\n").contains("To: \(email)")
            else { return nil }
            let date = (try? FileManager.default.attributesOfItem(atPath: path)[.modificationDate] as? Date) ?? .distantPast
            return (date, name, text)
        }
        guard let newest = mails.max(by: { ($0.0, $0.1) < ($1.0, $1.1) })?.2,
            let range = newest.range(of: #"code is [0-9]{6}"#, options: .regularExpression)
        else { return nil }
        return String(newest[range].suffix(6))
    }
}

struct OutboxError: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}
