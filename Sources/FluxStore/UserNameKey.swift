import FluxCrypto
import Foundation

/// The form of a user name that decides whether two names are the same name: the store keeps it in the
/// unique column `users.name_key`, so "Alice", "ALICE", "Ａｌｉｃｅ" (full width) and "Al\u{200B}ice" (a
/// zero-width space) cannot belong to two accounts, and a search for any of them finds the one that exists.
///
/// The key is the hex SHA-256 of the normalised name rather than the name itself: NFKC can make a name
/// many times longer (one character can become 18), and a fixed 64 ASCII characters always fits the
/// column and its index on every database, where a long normal form could not.
public enum UserNameKey {
    /// `name` normalised for comparison: NFKC, case folded (upper- then lower-cased, so "ß" and "SS",
    /// "ς" and "Σ" meet), default-ignorable code points (zero-width spaces and joiners, soft hyphens)
    /// dropped, white space trimmed and runs of it made one space, and NFKC again (case mapping can
    /// leave a string unnormalised). Uses only the Unicode tables of the Swift runtime, so every
    /// process of one build computes the same form whatever its locale.
    public static func normalized(_ name: String) -> String {
        let folded = name.precomposedStringWithCompatibilityMapping.uppercased().lowercased()
        var scalars = String.UnicodeScalarView()
        var pendingSpace = false
        for scalar in folded.unicodeScalars where !scalar.properties.isDefaultIgnorableCodePoint {
            if scalar.properties.isWhitespace {
                pendingSpace = !scalars.isEmpty
                continue
            }
            if pendingSpace { scalars.append(" ") }
            pendingSpace = false
            scalars.append(scalar)
        }
        return String(scalars).precomposedStringWithCompatibilityMapping
    }

    /// The value stored in `users.name_key` for `name`: 64 lowercase hex digits.
    public static func key(for name: String) -> String {
        Hex.encode(SHA256.digest(Array(normalized(name).utf8)))
    }

    /// Gives each user without a key its key, in uid order, for a migration of existing rows. `page`
    /// returns up to a page of `(uid, name)` with no key and a uid above its argument, by uid;
    /// `assign` stores one key unless another user already holds it. So when existing names collide,
    /// the oldest account gets the key and the others keep none: they keep their names and still log
    /// in (by e-mail) and are found by their exact name, but no new account can take a look-alike.
    static func backfill<E: Error>(
        page: (_ after: Int64) throws(E) -> [(uid: Int64, name: String)],
        assign: (_ uid: Int64, _ key: String) throws(E) -> Void
    ) throws(E) {
        var after: Int64 = 0
        while true {
            let rows = try page(after)
            guard let last = rows.last else { return }
            for row in rows { try assign(row.uid, key(for: row.name)) }
            after = last.uid
        }
    }

    /// Rows read per page by `backfill`.
    static let backfillPage = 500
}
