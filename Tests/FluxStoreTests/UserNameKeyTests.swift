import FluxStore
import Testing

/// Which names count as the same name.
@Suite struct UserNameKeyTests {
    @Test(arguments: [
        ("Alice", "alice"), ("ALICE", "alice"),
        ("Ａｌｉｃｅ", "alice"),  // full-width letters (NFKC)
        ("Al\u{200B}ice", "alice"), ("Al\u{00AD}ice", "alice"),  // zero-width space, soft hyphen
        ("  alice ", "alice"), ("ann  lee", "ann lee"), ("ann\u{3000}lee", "ann lee"),  // spacing
        ("Zoe\u{0308}", "zoë"), ("ZOË", "zoë"),  // decomposed and upper case
        ("STRASSE", "straße"), ("ΟΔΟΣ", "οδος"),  // case folding beyond lower-casing
        ("ﬁne", "fine"),  // ligature
    ])
    func lookAlikesShareAKey(_ pair: (String, String)) {
        #expect(UserNameKey.normalized(pair.0) == UserNameKey.normalized(pair.1), "\(pair)")
        #expect(UserNameKey.key(for: pair.0) == UserNameKey.key(for: pair.1))
    }

    @Test func differentNamesHaveDifferentKeys() {
        let names = ["alice", "alicia", "alice2", "al ice", "bob", "李雷", "李電", "zoe", "zoë"]
        #expect(Set(names.map(UserNameKey.key(for:))).count == names.count)
    }

    @Test func keyIsFixedLengthHexWhateverTheName() {
        // One character whose NFKC form is 18 characters long, many times over: still 64 hex digits.
        for name in ["a", String(repeating: "\u{FDFA}", count: 64)] {
            let key = UserNameKey.key(for: name)
            #expect(key.count == 64 && key.allSatisfy(\.isHexDigit) && key == key.lowercased())
        }
    }
}
