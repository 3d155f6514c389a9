import Logging
import NIOCore
import NIOExtras
import NIOSSL

/// The handlers every RPC connection starts with: TLS (when configured), the 4-byte length framing of
/// swift-nio-extras (bounded, so no peer can make a connection buffer without limit) and the handshake.
enum RPCPipeline {
    /// Largest message accepted, handshake included (the buffer limit of the frame decoder).
    static let maximumMessage = 16 << 20

    /// Adds the server side's handlers, ending with `calls`.
    static func configureServer(
        _ channel: any Channel, security: RPCSecurity, logger: Logger, calls: RPCServerHandler
    ) throws {
        let pipeline = channel.pipeline.syncOperations
        if let tls = security.tls { try pipeline.addHandler(NIOSSLServerHandler(context: tls.server)) }
        try addFraming(pipeline)
        try pipeline.addHandler(RPCHandshakeHandler(serverSecret: security.secret, logger: logger))
        try pipeline.addHandler(calls)
    }

    /// Adds the client side's handlers, ending with `calls`; `authenticated` completes after the handshake.
    static func configureClient(
        _ channel: any Channel, security: RPCSecurity, authenticated: EventLoopPromise<Void>, calls: RPCClientHandler
    ) throws {
        let pipeline = channel.pipeline.syncOperations
        if let tls = security.tls { try pipeline.addHandler(try NIOSSLClientHandler(context: tls.client, serverHostname: nil)) }
        try addFraming(pipeline)
        try pipeline.addHandler(RPCHandshakeHandler(clientSecret: security.secret, authenticated: authenticated))
        try pipeline.addHandler(calls)
    }

    private static func addFraming(_ pipeline: ChannelPipeline.SynchronousOperations) throws {
        try pipeline.addHandler(ByteToMessageHandler(
            LengthFieldBasedFrameDecoder(lengthFieldBitLength: .fourBytes), maximumBufferSize: maximumMessage + 4))
        try pipeline.addHandler(LengthFieldPrepender(lengthFieldBitLength: .fourBytes))
    }
}
