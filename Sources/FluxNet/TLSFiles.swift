import NIOSSL

/// A listener's certificate chain and private key (PEM files), loaded into a server TLS context.
public enum TLSFiles {
    /// The server TLS context of `certificate` and `key`; throws naming what could not be read.
    public static func serverContext(certificate: String, key: String) throws -> NIOSSLContext {
        try NIOSSLContext(configuration: serverConfiguration(certificate: certificate, key: key))
    }

    /// The server TLS configuration of `certificate` and `key` (for servers that build their own context).
    public static func serverConfiguration(certificate: String, key: String) throws -> TLSConfiguration {
        let chain = try NIOSSLCertificate.fromPEMFile(certificate).map { NIOSSLCertificateSource.certificate($0) }
        let privateKey = try NIOSSLPrivateKey(file: key, format: .pem)
        var configuration = TLSConfiguration.makeServerConfiguration(certificateChain: chain, privateKey: .privateKey(privateKey))
        configuration.minimumTLSVersion = .tlsv12
        return configuration
    }
}
