import Foundation
import FluxCluster
import FluxContracts
import FluxKV
import FluxProtocol
import FluxStore
import Logging

/// The gate's account logic, independent of HTTP: each call checks in the reference's order and
/// answers a response or throws the `FluxError` whose code the client gets.
public struct AccountService: Sendable {
    private let store: any Store
    private let kv: any KeyValueStore
    private let verify: any VerifyAPI
    private let status: any StatusAPI
    private let passwords: PasswordWorker
    private let configuration: GateConfiguration
    private let logger: Logger

    public init(
        store: any Store, kv: any KeyValueStore, verify: any VerifyAPI, status: any StatusAPI,
        passwords: PasswordWorker, configuration: GateConfiguration, logger: Logger
    ) {
        self.store = store
        self.kv = kv
        self.verify = verify
        self.status = status
        self.passwords = passwords
        self.configuration = configuration
        self.logger = logger
    }

    /// `/get_varifycode`.
    public func requestCode(_ request: VerifyCodeRequest, clientAddress: String?) async throws(FluxError) -> VerifyCodeResponse {
        try InputRules.email(request.email)
        try await verify.sendCode(email: request.email, clientAddress: clientAddress)
        return VerifyCodeResponse(email: request.email)
    }

    /// `/user_register`: 1006, 1003, 1004, 1005 in that order.
    public func register(_ request: RegisterRequest) async throws(FluxError) -> RegisterResponse {
        try InputRules.email(request.email)
        try InputRules.userName(request.user)
        try InputRules.password(request.passwd)
        try InputRules.code(request.varifycode)
        try InputRules.icon(request.icon ?? "")
        guard request.passwd == request.confirm else { throw FluxError(.passwordMismatch, "passwd and confirm differ") }
        do {
            try await verify.checkCode(email: request.email, code: request.varifycode)
        } catch where error.code == .verifyExpired {
            // A simultaneous registration of this e-mail may have just used the code up: that request
            // lost the race for the e-mail, which is 1005, not an expired code.
            if let existing = try? await store.user(email: request.email),
                Int64(Date().timeIntervalSince1970 * 1000) - existing.createdAt < 10_000
            {
                throw FluxError(.userExists, "e-mail registered a moment ago by a simultaneous request")
            }
            throw error
        }
        let hash = try await passwords.hash(request.passwd)
        let user: User
        do {
            user = try await store.createUser(
                NewUser(name: request.user, email: request.email, passwordHash: hash, icon: request.icon ?? ""))
        } catch where error.code == .duplicate {
            throw FluxError(.userExists, "\(error.field ?? "e-mail or name") already registered")
        } catch {
            throw storeFailure(error)
        }
        try await verify.consumeCode(email: request.email, code: request.varifycode)
        logger.info("user registered", metadata: ["uid": "\(user.uid)"])
        return RegisterResponse(uid: user.uid, email: user.email, user: user.name, icon: user.icon)
    }

    /// `/reset_pwd`: 1003, 1004, 1007, 1008 in that order.
    public func resetPassword(_ request: ResetPasswordRequest) async throws(FluxError) -> ResetPasswordResponse {
        try InputRules.email(request.email)
        try InputRules.password(request.passwd)
        try InputRules.code(request.varifycode)
        try await verify.checkCode(email: request.email, code: request.varifycode)
        let found: User?
        do {
            found = try await store.user(name: request.user)
        } catch {
            throw storeFailure(error)
        }
        guard let user = found, user.email.lowercased() == request.email.lowercased() else {
            throw FluxError(.emailNotMatch, "user name and e-mail do not match")
        }
        let hash = try await passwords.hash(request.passwd)
        let updated: Bool
        do {
            updated = try await store.updatePasswordHash(uid: user.uid, to: hash)
        } catch {
            logger.error("password update failed", metadata: ["uid": "\(user.uid)", "error": "\(error)"])
            throw FluxError(.passwordUpdateFailed, "update failed: \(error)")
        }
        guard updated else { throw FluxError(.passwordUpdateFailed, "user vanished during update") }
        try await verify.consumeCode(email: request.email, code: request.varifycode)
        // Old tokens stop working: whoever knew the old password must log in again.
        _ = try? await TokenStore(kv: kv).revoke(uid: user.uid)
        logger.info("password reset", metadata: ["uid": "\(user.uid)"])
        return ResetPasswordResponse(email: user.email, user: user.name)
    }

    /// `/user_login`: 1012 (backing off), 1009 (unknown e-mail or wrong password), then 1002 (no chat node).
    /// Every try counts against the limits before the password is checked (`LoginThrottle`).
    public func login(_ request: LoginRequest, clientAddress: String? = nil) async throws(FluxError) -> LoginResponse {
        try InputRules.email(request.email)
        guard !request.passwd.isEmpty, request.passwd.utf8.count <= 1024 else {
            throw FluxError(.passwordInvalid, "empty or oversized password")
        }
        let throttle = LoginThrottle(kv: kv, configuration: configuration)
        let attempt = LoginThrottle.Attempt(email: request.email, address: clientAddress ?? "unknown")
        let ticket = try await throttle.begin(attempt)
        if ticket.slowdown > .zero { try? await Task.sleep(for: ticket.slowdown) }
        let found: User?
        do {
            found = try await store.user(email: request.email)
        } catch {
            throw storeFailure(error)
        }
        let matches = await passwords.verify(request.passwd, against: found?.passwordHash)
        guard let user = found, matches, !user.disabled else {
            await throttle.failed(attempt, ticket)
            throw FluxError(.passwordInvalid, "unknown e-mail or wrong password")
        }
        await throttle.succeeded(attempt, ticket)
        let assignment = try await status.assignChatNode(uid: user.uid)
        logger.info("user logged in", metadata: ["uid": "\(user.uid)", "node": "\(assignment.node)"])
        return LoginResponse(
            email: user.email, uid: user.uid, token: assignment.token, host: assignment.host,
            port: String(assignment.port), ws: assignment.ws)
    }

    private func storeFailure(_ error: StoreError) -> FluxError {
        logger.error("store failed", metadata: ["error": "\(error)"])
        return FluxError(.internalError, "store failed: \(error)")
    }
}
