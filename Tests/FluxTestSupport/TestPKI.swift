import Foundation

/// Certificates made at test time with the `openssl` command: a cluster CA with one member, and a
/// stranger signed by another CA.
public struct TestPKI: Sendable {
    public let ca: String
    public let cert: String
    public let key: String
    public let strangerCert: String
    public let strangerKey: String

    /// Makes the files in a new temporary folder.
    public static func make() throws -> TestPKI {
        let folder = TestFolder.path("flux-pki")
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let extensions = folder + "/leaf.ext"
        try "basicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=serverAuth,clientAuth\nsubjectAltName=IP:127.0.0.1\n"
            .write(toFile: extensions, atomically: true, encoding: .utf8)
        for ca in ["ca", "other-ca"] {
            try openssl(["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1",
                         "-subj", "/CN=\(ca)", "-keyout", "\(folder)/\(ca).key", "-out", "\(folder)/\(ca).pem"])
        }
        for (leaf, ca) in [("node", "ca"), ("stranger", "other-ca")] {
            try openssl(["req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-subj", "/CN=\(leaf)",
                         "-keyout", "\(folder)/\(leaf).key", "-out", "\(folder)/\(leaf).csr"])
            try openssl(["x509", "-req", "-in", "\(folder)/\(leaf).csr", "-CA", "\(folder)/\(ca).pem", "-CAkey", "\(folder)/\(ca).key",
                         "-CAcreateserial", "-days", "1", "-extfile", extensions, "-out", "\(folder)/\(leaf).pem"])
        }
        return TestPKI(
            ca: "\(folder)/ca.pem", cert: "\(folder)/node.pem", key: "\(folder)/node.key",
            strangerCert: "\(folder)/stranger.pem", strangerKey: "\(folder)/stranger.key")
    }

    private static func openssl(_ arguments: [String]) throws {
        let process = ChildProcess()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw TestPKIError(arguments: arguments) }
    }
}

public struct TestPKIError: Error, CustomStringConvertible {
    let arguments: [String]
    public var description: String { "openssl \(arguments.joined(separator: " ")) failed (is the openssl package installed?)" }
}
