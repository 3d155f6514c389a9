import FluxCrypto
import FluxProtocol
import NIOPosix

/// Runs the deliberately slow password hash on a thread pool, keeping it off event loops and the
/// cooperative pool.
public struct PasswordWorker: Sendable {
    private let hasher: PasswordHasher
    private let threadPool: NIOThreadPool
    /// Checked for unknown e-mails too, so a login takes as long whether or not the account exists.
    /// Made from the hasher's (configured) parameters: a decoy of another cost would be timed apart.
    private let decoyHash: String

    public init(hasher: PasswordHasher, threadPool: NIOThreadPool) {
        self.hasher = hasher
        self.decoyHash = hasher.decoyHash
        self.threadPool = threadPool
    }

    /// A new encoded hash of `password`.
    public func hash(_ password: String) async throws(FluxError) -> String {
        let hasher = self.hasher
        do {
            return try await threadPool.runIfActive { try hasher.hash(password) }
        } catch {
            throw FluxError(.internalError, "password hashing failed: \(error)")
        }
    }

    /// Whether `password` matches `encoded`; with nil, spends the same time and answers false.
    public func verify(_ password: String, against encoded: String?) async -> Bool {
        let hasher = self.hasher
        let target = encoded ?? decoyHash
        let matches = (try? await threadPool.runIfActive { hasher.verify(password, against: target) }) ?? false
        return matches && encoded != nil
    }
}
