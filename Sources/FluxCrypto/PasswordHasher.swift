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
        guard let (parameters, salt, expected) = Self.parse(encoded),
            let key = try? Self.derive(password, salt: salt, parameters: parameters, length: expected.count)
        else { return false }
        return key.withUnsafeBytes { a in
            expected.withUnsafeBytes { b in CRYPTO_memcmp(a.baseAddress, b.baseAddress, a.count) == 0 }
        }
    }

    /// The cost parameters `encoded` was made with, or nil if it is not a well-formed hash.
    public static func parameters(of encoded: String) -> Parameters? {
        parse(encoded)?.parameters
    }

    /// A well-formed hash at this hasher's parameters whose key is all zeros, so checking a password
    /// against it costs exactly what checking a real hash made now costs. Verified for unknown e-mails:
    /// a decoy at any other cost would let the answer's timing tell which e-mails are registered.
    /// (Callers still answer "no match" for it; a zero key is not a hash of any known password.)
    public var decoyHash: String {
        let salt = Hex.encode([UInt8](repeating: 0, count: Self.saltLength))
        let key = Hex.encode([UInt8](repeating: 0, count: Self.keyLength))
        return "scrypt$\(parameters.logN)$\(parameters.r)$\(parameters.p)$\(salt)$\(key)"
    }

    private static func parse(_ encoded: String) -> (parameters: Parameters, salt: [UInt8], key: [UInt8])? {
        let parts = encoded.split(separator: "$", omittingEmptySubsequences: false)
        guard parts.count == 6, parts[0] == "scrypt",
            let logN = Int(parts[1]), let r = Int(parts[2]), let p = Int(parts[3]),
            (1...30).contains(logN), r > 0, p > 0,
            let salt = Hex.decode(String(parts[4])), let key = Hex.decode(String(parts[5])),
            !key.isEmpty
        else { return nil }
        return (Parameters(logN: logN, r: r, p: p), salt, key)
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
