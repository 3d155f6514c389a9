import COpenSSL

/// HMAC-SHA256 through OpenSSL's one-shot `HMAC`.
public enum HMACSHA256 {
    /// Length of a tag in bytes.
    public static let length = 32

    /// The tag of `message` under `key`.
    public static func tag(key: [UInt8], message: [UInt8]) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: length)
        var outLength: UInt32 = 0
        let result = key.withUnsafeBufferPointer { keyPointer in
            message.withUnsafeBufferPointer { messagePointer in
                out.withUnsafeMutableBufferPointer { outPointer in
                    HMAC(EVP_sha256(), keyPointer.baseAddress, Int32(keyPointer.count),
                         messagePointer.baseAddress, messagePointer.count, outPointer.baseAddress, &outLength)
                }
            }
        }
        // HMAC fails only on allocation failure; a zero tag would let anyone in.
        precondition(result != nil && outLength == UInt32(length), "OpenSSL HMAC-SHA256 failed")
        return out
    }

    /// Compares two tags in time independent of where they differ.
    public static func equal(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for index in a.indices { difference |= a[index] ^ b[index] }
        return difference == 0
    }
}
