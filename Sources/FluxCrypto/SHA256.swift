import COpenSSL

/// SHA-256 through OpenSSL's one-shot `EVP_Digest`.
public enum SHA256 {
    /// Length of a digest in bytes.
    public static let length = 32

    /// The digest of `message`.
    public static func digest(_ message: [UInt8]) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: length)
        var outLength: UInt32 = 0
        let result = message.withUnsafeBufferPointer { messagePointer in
            out.withUnsafeMutableBufferPointer { outPointer in
                EVP_Digest(messagePointer.baseAddress, messagePointer.count, outPointer.baseAddress, &outLength, EVP_sha256(), nil)
            }
        }
        // EVP_Digest fails only on allocation failure; a zero digest would make every value equal.
        precondition(result == 1 && outLength == UInt32(length), "OpenSSL SHA-256 failed")
        return out
    }
}
