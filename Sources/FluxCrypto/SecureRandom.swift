import COpenSSL

/// Cryptographically secure random values from OpenSSL's CSPRNG.
public enum SecureRandom {
    /// `count` random bytes.
    public static func bytes(_ count: Int) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: count)
        let ok = out.withUnsafeMutableBufferPointer { RAND_bytes($0.baseAddress, Int32(count)) }
        // RAND_bytes fails only if the CSPRNG cannot be seeded; continuing would hand out guessable secrets.
        precondition(ok == 1, "OpenSSL RAND_bytes failed: the CSPRNG is not seeded")
        return out
    }

    /// A string of `length` decimal digits, uniformly distributed (rejection sampling, no modulo bias).
    public static func digits(_ length: Int) -> String {
        var result = ""
        result.reserveCapacity(length)
        while result.count < length {
            for byte in bytes(length * 2) where byte < 250 && result.count < length {
                result.append(Character(Unicode.Scalar(UInt8(ascii: "0") + byte % 10)))
            }
        }
        return result
    }

    /// A random token of `byteCount` bytes, as lowercase hex.
    public static func token(byteCount: Int = 16) -> String {
        Hex.encode(bytes(byteCount))
    }
}
