import FluxCrypto
import Testing

@Suite struct PasswordHasherTests {
    // Small cost: these tests check correctness, not strength.
    let hasher = PasswordHasher(parameters: .init(logN: 10, r: 8, p: 1))

    @Test func hashVerifiesOnlyTheSamePassword() throws {
        let encoded = try hasher.hash("correct horse")
        #expect(hasher.verify("correct horse", against: encoded))
        #expect(!hasher.verify("correct horsE", against: encoded))
        #expect(!hasher.verify("", against: encoded))
    }

    @Test func hashIsSaltedAndCarriesItsParameters() throws {
        let a = try hasher.hash("pw")
        let b = try hasher.hash("pw")
        #expect(a != b)
        #expect(a.hasPrefix("scrypt$10$8$1$"))
        #expect(!a.contains("pw$") && a.split(separator: "$").count == 6)
        // A hasher with other default parameters still verifies old hashes.
        #expect(PasswordHasher(parameters: .init(logN: 11)).verify("pw", against: a))
    }

    @Test func malformedHashesNeverMatch() {
        for bad in ["", "scrypt", "scrypt$10$8$1$zz$00", "bcrypt$10$8$1$00$00", "scrypt$99$8$1$00$00", "scrypt$10$8$1$00$"] {
            #expect(!hasher.verify("pw", against: bad))
        }
    }

    @Test func unicodePasswordsWork() throws {
        let encoded = try hasher.hash("密码🔑")
        #expect(hasher.verify("密码🔑", against: encoded))
    }
}

@Suite struct SecureRandomTests {
    @Test func digitsAreDigitsOfTheRightLength() {
        for _ in 0..<200 {
            let code = SecureRandom.digits(6)
            #expect(code.count == 6 && code.allSatisfy { $0.isASCII && $0.isNumber })
        }
    }

    @Test func digitsCoverEveryValue() {
        let all = (0..<300).map { _ in SecureRandom.digits(6) }.joined()
        #expect(Set(all).count == 10)
        #expect(Set((0..<50).map { _ in SecureRandom.digits(6) }).count > 45)
    }

    @Test func tokensAreHexAndUnique() {
        let tokens = (0..<100).map { _ in SecureRandom.token() }
        #expect(Set(tokens).count == 100)
        #expect(tokens.allSatisfy { $0.count == 32 && Hex.decode($0) != nil })
    }

    @Test func hexRoundTrips() {
        let bytes: [UInt8] = [0, 1, 0x7f, 0x80, 0xff]
        #expect(Hex.encode(bytes) == "00017f80ff")
        #expect(Hex.decode("00017F80ff") == bytes)
        #expect(Hex.decode("abc") == nil && Hex.decode("zz") == nil)
    }
}
