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

    @Test(arguments: [
        PasswordHasher.Parameters(logN: 10, r: 8, p: 1), .init(logN: 12, r: 4, p: 2), .standard, .init(logN: 17, r: 8, p: 1),
    ])
    func decoyHashHasTheConfiguredCost(_ parameters: PasswordHasher.Parameters) throws {
        // The decoy stands in for a real hash of an unknown e-mail: same cost, same shape, so verifying
        // against it does the same work as against a hash made now.
        let hasher = PasswordHasher(parameters: parameters)
        #expect(PasswordHasher.parameters(of: hasher.decoyHash) == parameters)
        // Salt and key as long as a real hash's (made cheaply here: only the lengths are compared).
        let fresh = try PasswordHasher(parameters: .init(logN: 4, r: 1, p: 1)).hash("x").split(separator: "$")
        let decoy = hasher.decoyHash.split(separator: "$")
        #expect(decoy.count == 6 && decoy[4].count == fresh[4].count && decoy[5].count == fresh[5].count)
    }

    @Test func decoyHashMatchesNoPassword() {
        for password in ["", "pw", "0", "password"] {
            #expect(!hasher.verify(password, against: hasher.decoyHash))
        }
    }

    @Test func parametersAreReadFromAHash() throws {
        #expect(PasswordHasher.parameters(of: try hasher.hash("pw")) == hasher.parameters)
        #expect(PasswordHasher.parameters(of: "scrypt$99$8$1$00$00") == nil)
        #expect(PasswordHasher.parameters(of: "bcrypt$10$8$1$00$00") == nil)
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

    @Test func sha256MatchesTheStandardVectors() {
        #expect(Hex.encode(SHA256.digest([])) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(Hex.encode(SHA256.digest(Array("abc".utf8))) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }

    @Test func hexRoundTrips() {
        let bytes: [UInt8] = [0, 1, 0x7f, 0x80, 0xff]
        #expect(Hex.encode(bytes) == "00017f80ff")
        #expect(Hex.decode("00017F80ff") == bytes)
        #expect(Hex.decode("abc") == nil && Hex.decode("zz") == nil)
    }
}
