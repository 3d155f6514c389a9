import FluxCrypto
import FluxRPC
import Foundation

/// Turns the `rpc.*` keys into an `RPCSecurity`. With `--role all` and no secret configured, a random
/// secret is kept in `<data.dir>/rpc.secret` (mode 0600), where `flux admin` on the same host finds it.
public enum RPCSecurityLoader {
    /// The security of a `flux` process (a split one always has a configured secret: the loader refused
    /// to start it otherwise).
    public static func load(_ configuration: FluxConfiguration) throws(ConfigurationError) -> RPCSecurity {
        var secret = configuration.rpcSecret
        if secret == nil { secret = try generatedSecret(at: configuration.generatedSecretPath, create: true) }
        return RPCSecurity(secret: secret ?? [], tls: try tls(configuration))
    }

    /// The security `flux admin` uses: the configured secret, else the one `--role all` generated in the
    /// same data folder; nil if there is neither.
    public static func loadForAdmin(_ configuration: FluxConfiguration) throws(ConfigurationError) -> RPCSecurity? {
        var secret = configuration.rpcSecret
        if secret == nil { secret = try generatedSecret(at: configuration.generatedSecretPath, create: false) }
        guard let secret else { return nil }
        return RPCSecurity(secret: secret, tls: try tls(configuration))
    }

    private static func tls(_ configuration: FluxConfiguration) throws(ConfigurationError) -> RPCTLS? {
        guard let files = configuration.rpcTLSFiles else { return nil }
        do {
            return try RPCTLS(certificatePath: files.certificate, keyPath: files.key, caPath: files.ca)
        } catch {
            throw ConfigurationError(key: "rpc.tls_cert", "cannot load the TLS files: \(error)")
        }
    }

    private static func generatedSecret(at path: String, create: Bool) throws(ConfigurationError) -> [UInt8]? {
        if let text = try? String(contentsOfFile: path, encoding: .utf8) {
            let secret = Array(text.trimmingCharacters(in: .whitespacesAndNewlines).utf8)
            if secret.count >= RPCSecurity.minimumSecretLength { return secret }
        }
        guard create else { return nil }
        let secret = SecureRandom.token(byteCount: 32)
        let folder = (path as NSString).deletingLastPathComponent
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            guard FileManager.default.createFile(atPath: path, contents: Data((secret + "\n").utf8), attributes: [.posixPermissions: 0o600]) else {
                throw ConfigurationError(key: "data.dir", "cannot write \(path)")
            }
        } catch let error as ConfigurationError {
            throw error
        } catch {
            throw ConfigurationError(key: "data.dir", "cannot write \(path): \(error)")
        }
        return Array(secret.utf8)
    }
}
