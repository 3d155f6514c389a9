import FluxKV
import FluxProtocol
import FluxContracts
import FluxCrypto
import Logging

/// The verify role: 6-digit codes from the CSPRNG kept as `code_<email>` for the configured life,
/// mailed through a `Mailer`.
public struct VerifyService: VerifyAPI {
    private let kv: any KeyValueStore
    private let mailer: any Mailer
    private let configuration: VerifyConfiguration
    private let logger: Logger

    public init(kv: any KeyValueStore, mailer: any Mailer, configuration: VerifyConfiguration, logger: Logger) {
        self.kv = kv
        self.mailer = mailer
        self.configuration = configuration
        self.logger = logger
    }

    public func sendCode(email: String, clientAddress: String?) async throws(FluxError) {
        try await kvCall {
            if let clientAddress {
                let count = try await kv.increment(CodeKeys.rate(clientAddress), by: 1, ttlIfCreated: .seconds(3600))
                guard count <= configuration.requestsPerAddressPerHour else {
                    throw FluxError(.rateLimited, "too many code requests from \(clientAddress)")
                }
            }
            guard try await kv.setIfAbsent(CodeKeys.cooldown(email), "1", ttl: configuration.resendCooldown) else {
                throw FluxError(.rateLimited, "code for this e-mail was sent less than the cool-down ago")
            }
        }
        let code = try await liveOrNewCode(for: email)
        do {
            try await mailer.send(mail(code: code.value, remaining: code.remaining, to: email))
        } catch {
            logger.error("verification mail not sent", metadata: ["error": "\(error)"])
            // Let the user retry at once: the failure was ours.
            _ = try? await kv.delete(CodeKeys.cooldown(email))
            throw FluxError(.rpcFailed, "mail could not be sent: \(error)")
        }
    }

    public func checkCode(email: String, code: String) async throws(FluxError) {
        try await kvCall {
            guard let stored = try await kv.get(CodeKeys.code(email)) else {
                throw FluxError(.verifyExpired, "no live code for this e-mail")
            }
            guard stored == code else {
                let tries = try await kv.increment(
                    CodeKeys.tries(email), by: 1, ttlIfCreated: configuration.codeLifetime)
                if tries >= Int64(configuration.maxWrongTries) {
                    // Too many guesses: the code dies, the next request gets a new one.
                    try await kv.delete(CodeKeys.code(email))
                    try await kv.delete(CodeKeys.tries(email))
                }
                throw FluxError(.verifyCodeWrong, "wrong code")
            }
        }
    }

    public func consumeCode(email: String, code: String) async throws(FluxError) {
        try await kvCall {
            _ = try await kv.compareAndDelete(CodeKeys.code(email), expected: code)
            try await kv.delete(CodeKeys.tries(email))
            // The mail did its job: a new code may be asked for at once (e.g. register, then reset).
            try await kv.delete(CodeKeys.cooldown(email))
        }
    }

    /// The unexpired code of `email` (re-sent, not replaced), or a new one.
    private func liveOrNewCode(for email: String) async throws(FluxError) -> (value: String, remaining: Duration) {
        try await kvCall {
            let key = CodeKeys.code(email)
            if let existing = try await kv.get(key) {
                let remaining = try await kv.timeToLive(key) ?? configuration.codeLifetime
                return (existing, remaining)
            }
            let fresh = SecureRandom.digits(6)
            if try await kv.setIfAbsent(key, fresh, ttl: configuration.codeLifetime) {
                try await kv.delete(CodeKeys.tries(email))
                return (fresh, configuration.codeLifetime)
            }
            // Another request stored one between our read and write: send that one.
            let winner = try await kv.get(key) ?? fresh
            return (winner, configuration.codeLifetime)
        }
    }

    private func mail(code: String, remaining: Duration, to email: String) -> MailMessage {
        let minutes = max(1, Int((remaining.components.seconds + 59) / 60))
        let body = """
            Your Flux verification code is \(code).
            It expires in \(minutes) minute\(minutes == 1 ? "" : "s").

            您的验证码是 \(code)，\(minutes) 分钟内有效。
            If you did not ask for it, ignore this mail.
            """
        return MailMessage(from: configuration.mailFrom, to: email, subject: "验证码 / Flux verification code", body: body)
    }

    /// Runs `body`, turning KV failures into 1002 so the gate answers as the original did when Redis failed.
    private func kvCall<T>(_ body: () async throws -> T) async throws(FluxError) -> T {
        do {
            return try await body()
        } catch let error as FluxError {
            throw error
        } catch {
            logger.error("verify: key-value store failed", metadata: ["error": "\(error)"])
            throw FluxError(.rpcFailed, "key-value store failed: \(error)")
        }
    }
}
