import FluxKV
import FluxProtocol
import FluxTestSupport
import FluxVerify
import Logging
import Testing

/// The verify role over an in-memory KV whose clock the tests move: cool-downs and code lives pass at
/// once, however busy the machine.
@Suite struct VerifyServiceTests {
    let time = ManualTime()
    let kv: MemoryKeyValueStore
    let mailer = RecordingMailer()

    init() {
        kv = MemoryKeyValueStore(now: time.now)
    }

    func service(_ change: (inout VerifyConfiguration) -> Void = { _ in }) -> VerifyService {
        var configuration = VerifyConfiguration()
        change(&configuration)
        return VerifyService(kv: kv, mailer: mailer, configuration: configuration, logger: Logger(label: "test"))
    }

    @Test func sendsASixDigitCodeStoredWithItsLife() async throws {
        try await service().sendCode(email: "a@example.com", clientAddress: "10.0.0.1")
        let code = try #require(mailer.lastCode)
        #expect(try await kv.get("code_a@example.com") == code)
        let life = try #require(await kv.timeToLive("code_a@example.com"))
        #expect(life > .seconds(590) && life <= .seconds(600))
        #expect(mailer.mails.last?.to == "a@example.com")
    }

    @Test func unexpiredCodeIsResentNotReplaced() async throws {
        let verify = service { $0.resendCooldown = .seconds(60) }
        try await verify.sendCode(email: "b@example.com", clientAddress: nil)
        let first = mailer.lastCode
        time.advance(by: .seconds(61))
        try await verify.sendCode(email: "b@example.com", clientAddress: nil)
        #expect(mailer.mails.count == 2)
        #expect(mailer.lastCode == first)
    }

    @Test func cooldownRefusesASecondMail() async throws {
        let verify = service()
        try await verify.sendCode(email: "c@example.com", clientAddress: nil)
        let error = await #expect(throws: FluxError.self) { try await verify.sendCode(email: "c@example.com", clientAddress: nil) }
        #expect(error?.code == .rateLimited)
        #expect(mailer.mails.count == 1)
        // Another e-mail is not affected.
        try await verify.sendCode(email: "d@example.com", clientAddress: nil)
    }

    @Test func perAddressLimit() async throws {
        let verify = service { $0.requestsPerAddressPerHour = 2 }
        try await verify.sendCode(email: "e1@example.com", clientAddress: "10.0.0.9")
        try await verify.sendCode(email: "e2@example.com", clientAddress: "10.0.0.9")
        let error = await #expect(throws: FluxError.self) { try await verify.sendCode(email: "e3@example.com", clientAddress: "10.0.0.9") }
        #expect(error?.code == .rateLimited)
        try await verify.sendCode(email: "e3@example.com", clientAddress: "10.0.0.10")
    }

    @Test func checkAnswersExpiredWrongAndRight() async throws {
        let verify = service { $0.codeLifetime = .seconds(1) }
        await #expect(throws: FluxError(.verifyExpired, "no live code for this e-mail")) {
            try await verify.checkCode(email: "f@example.com", code: "123456")
        }
        try await verify.sendCode(email: "f@example.com", clientAddress: nil)
        let code = try #require(mailer.lastCode)
        let wrong = code == "000000" ? "111111" : "000000"
        let error = await #expect(throws: FluxError.self) { try await verify.checkCode(email: "f@example.com", code: wrong) }
        #expect(error?.code == .verifyCodeWrong)
        try await verify.checkCode(email: "f@example.com", code: code)
        time.advance(by: .milliseconds(999))
        try await verify.checkCode(email: "f@example.com", code: code)
        time.advance(by: .milliseconds(2))
        let expired = await #expect(throws: FluxError.self) { try await verify.checkCode(email: "f@example.com", code: code) }
        #expect(expired?.code == .verifyExpired)
    }

    @Test func codeDiesAfterTooManyWrongTries() async throws {
        let verify = service { $0.maxWrongTries = 3 }
        try await verify.sendCode(email: "g@example.com", clientAddress: nil)
        let code = try #require(mailer.lastCode)
        let wrong = code == "000000" ? "111111" : "000000"
        for _ in 0..<3 {
            await #expect(throws: FluxError.self) { try await verify.checkCode(email: "g@example.com", code: wrong) }
        }
        let error = await #expect(throws: FluxError.self) { try await verify.checkCode(email: "g@example.com", code: code) }
        #expect(error?.code == .verifyExpired)
    }

    @Test func consumedCodeIsGoneAndANewOneMayBeAskedAtOnce() async throws {
        let verify = service()
        try await verify.sendCode(email: "h@example.com", clientAddress: nil)
        let code = try #require(mailer.lastCode)
        try await verify.consumeCode(email: "h@example.com", code: code)
        let error = await #expect(throws: FluxError.self) { try await verify.checkCode(email: "h@example.com", code: code) }
        #expect(error?.code == .verifyExpired)
        try await verify.sendCode(email: "h@example.com", clientAddress: nil)
        #expect(mailer.mails.count == 2)
    }

    @Test func emailCaseDoesNotMatter() async throws {
        let verify = service()
        try await verify.sendCode(email: "Mixed@Example.com", clientAddress: nil)
        try await verify.checkCode(email: "mixed@example.com", code: try #require(mailer.lastCode))
    }

    @Test func mailFailureIs1002AndAllowsARetry() async throws {
        let verify = service()
        mailer.setFailing(true)
        let error = await #expect(throws: FluxError.self) { try await verify.sendCode(email: "i@example.com", clientAddress: nil) }
        #expect(error?.code == .rpcFailed)
        mailer.setFailing(false)
        try await verify.sendCode(email: "i@example.com", clientAddress: nil)
        #expect(mailer.mails.count == 1)
    }
}
