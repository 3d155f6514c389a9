import NIOSSL

/// How RPC peers prove who they are: the cluster secret (always), and optionally mutual TLS, where each
/// side presents a certificate signed by the cluster's CA.
public struct RPCSecurity: Sendable {
    /// Shortest secret a split deployment accepts.
    public static let minimumSecretLength = 32

    /// The cluster secret; never sent over the wire.
    public let secret: [UInt8]
    /// Mutual TLS, when configured.
    public let tls: RPCTLS?

    public init(secret: [UInt8], tls: RPCTLS? = nil) {
        self.secret = secret
        self.tls = tls
    }
}

/// The TLS contexts of a mutual-TLS cluster: this peer's certificate and key, and the CA that signed
/// every peer's certificate. Peers are checked against the CA only (not by host name): the CA is the
/// cluster's own, so any certificate it signed is a cluster member.
public struct RPCTLS: Sendable {
    let server: NIOSSLContext
    let client: NIOSSLContext

    /// Loads PEM files; throws with the file at fault.
    public init(certificatePath: String, keyPath: String, caPath: String) throws {
        let chain = try NIOSSLCertificate.fromPEMFile(certificatePath).map { NIOSSLCertificateSource.certificate($0) }
        let key = NIOSSLPrivateKeySource.privateKey(try NIOSSLPrivateKey(file: keyPath, format: .pem))
        var server = TLSConfiguration.makeServerConfiguration(certificateChain: chain, privateKey: key)
        server.trustRoots = .file(caPath)
        // On a server this also requires the client to present a certificate.
        server.certificateVerification = .noHostnameVerification
        server.minimumTLSVersion = .tlsv12
        var client = TLSConfiguration.makeClientConfiguration()
        client.certificateChain = chain
        client.privateKey = key
        client.trustRoots = .file(caPath)
        client.certificateVerification = .noHostnameVerification
        client.minimumTLSVersion = .tlsv12
        self.server = try NIOSSLContext(configuration: server)
        self.client = try NIOSSLContext(configuration: client)
    }
}
