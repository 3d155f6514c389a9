import COpenSSL

/// Salted scrypt password hashes (OpenSSL `EVP_PBE_scrypt`), stored as
/// `scrypt$<log2 N>$<r>$<p>$<salt hex>$<hash hex>` so parameters can be raised later without breaking
/// old hashes.
///
/// Hashing is deliberately slow and blocking: callers run it on a thread pool, never on an event loop.
public struct PasswordHasher: Sendable {
    /// scrypt cost parameters.
    public struct Parameters: Sendable, Hashable {
        /// log2 of the CPU/memory cost N.
        public var logN: Int
        public var r: Int
        public var p: Int

        public init(logN: Int = 15, r: Int = 8, p: Int = 1) {
            self.logN = logN
            self.r = r
            self.p = p
        }

        /// 32 MiB and about 0.1 s per hash on a current core: the production default.
        public static let standard = Parameters()
    }

    public let parameters: Parameters
    private static let saltLength = 16
    private static let keyLength = 32

    public init(parameters: Parameters = .standard) {
        self.parameters = parameters
    }

    /// A new encoded hash of `password` with a fresh random salt.
    public func hash(_ password: String) throws(PasswordHashError) -> String {
        let salt = SecureRandom.bytes(Self.saltLength)
        let key = try Self.derive(password, salt: salt, parameters: parameters)
        return "scrypt$\(parameters.logN)$\(parameters.r)$\(parameters.p)$\(Hex.encode(salt))$\(Hex.encode(key))"
    }

    /// Whether `password` matches `encoded`, compared in constant time. A malformed hash never matches.
    public func verify(_ password: String, against encoded: String) -> Bool {
        let parts = encoded.split(separator: "$", omittingEmptySubsequences: false)
        guard parts.count == 6, parts[0] == "scrypt",
            let logN = Int(parts[1]), let r = Int(parts[2]), let p = Int(parts[3]),
            (1...30).contains(logN), r > 0, p > 0,
            let salt = Hex.decode(String(parts[4])), let expected = Hex.decode(String(parts[5])),
            !expected.isEmpty
        else { return false }
        guard let key = try? Self.derive(password, salt: salt, parameters: .init(logN: logN, r: r, p: p), length: expected.count)
        else { return false }
        return key.withUnsafeBytes { a in
            expected.withUnsafeBytes { b in CRYPTO_memcmp(a.baseAddress, b.baseAddress, a.count) == 0 }
        }
    }

    private static func derive(
        _ password: String,
        salt: [UInt8],
        parameters: Parameters,
        length: Int = keyLength
    ) throws(PasswordHashError) -> [UInt8] {
        var key = [UInt8](repeating: 0, count: length)
        let n = UInt64(1) << UInt64(parameters.logN)
        // scrypt needs 128 * N * r bytes; allow that plus slack.
        let maxMemory = UInt64(128) * n * UInt64(parameters.r) * UInt64(parameters.p) + (1 << 20)
        let status = Array(password.utf8).withUnsafeBufferPointer { pw in
            salt.withUnsafeBufferPointer { saltPtr in
                key.withUnsafeMutableBufferPointer { out in
                    pw.withMemoryRebound(to: CChar.self) { pwChars in
                        EVP_PBE_scrypt(
                            pwChars.baseAddress, pwChars.count,
                            saltPtr.baseAddress, saltPtr.count,
                            n, UInt64(parameters.r), UInt64(parameters.p), maxMemory,
                            out.baseAddress, out.count
                        )
                    }
                }
            }
        }
        guard status == 1 else { throw PasswordHashError(reason: "EVP_PBE_scrypt failed") }
        return key
    }
}

/// OpenSSL could not derive a hash (out of memory or invalid parameters).
public struct PasswordHashError: Error, Sendable, CustomStringConvertible {
    public let reason: String
    public var description: String { reason }
}
