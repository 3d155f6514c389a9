import FluxVerify
import Synchronization

/// A `Mailer` that keeps what it is given, or fails on demand.
final class RecordingMailer: Mailer {
    private let state = Mutex<(mails: [MailMessage], failing: Bool)>(([], false))

    var mails: [MailMessage] { state.withLock { $0.mails } }

    func setFailing(_ failing: Bool) { state.withLock { $0.failing = failing } }

    func send(_ message: MailMessage) async throws(MailError) {
        let failing = state.withLock { state in
            if !state.failing { state.mails.append(message) }
            return state.failing
        }
        if failing { throw MailError("configured to fail") }
    }

    /// The 6-digit code in the newest mail.
    var lastCode: String? {
        guard let body = mails.last?.body, let range = body.range(of: #"code is (\d{6})"#, options: .regularExpression) else { return nil }
        return String(body[range].suffix(6))
    }
}

import Foundation
