import Logging
import NIOCore

/// Runs `RPCHandshake` on a new connection before anything else: until the peer has proved the secret,
/// no message is passed on, so nothing an unauthenticated peer sends is ever run. A failure closes the
/// connection and, on the server, logs one line saying why.
final class RPCHandshakeHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private var handshake: RPCHandshake
    private let hello: [UInt8]?
    private let authenticated: EventLoopPromise<Void>?
    private let logger: Logger?
    private let timeout: TimeAmount
    private var timer: Scheduled<Void>?
    private var state = State.waiting
    private var receivedNothing = true

    /// A failed handshake is final: what the peer sent after it (even in the same write, which the frame
    /// decoder still hands on while the connection closes) is dropped, never passed on.
    private enum State { case waiting, authenticated, failed }

    /// The client side: sends the hello when the connection is up; `authenticated` completes with the
    /// outcome.
    init(clientSecret secret: [UInt8], authenticated: EventLoopPromise<Void>, timeout: TimeAmount = .seconds(5)) {
        let (handshake, hello) = RPCHandshake.client(secret: secret)
        self.handshake = handshake
        self.hello = hello
        self.authenticated = authenticated
        self.logger = nil
        self.timeout = timeout
    }

    /// The server side: waits for the hello; logs refusals.
    init(serverSecret secret: [UInt8], logger: Logger, timeout: TimeAmount = .seconds(5)) {
        self.handshake = RPCHandshake.server(secret: secret)
        self.hello = nil
        self.authenticated = nil
        self.logger = logger
        self.timeout = timeout
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { start(context: context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        start(context: context)
        context.fireChannelActive()
    }

    private func start(context: ChannelHandlerContext) {
        guard timer == nil, state == .waiting else { return }
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        timer = context.eventLoop.scheduleTask(in: timeout) {
            let (handler, context) = loopBound.value
            handler.fail(context: context, "no handshake within \(handler.timeout)")
        }
        if let hello { context.writeAndFlush(Self.wrapOutboundOut(ByteBuffer(bytes: hello)), promise: nil) }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch state {
        case .authenticated:
            context.fireChannelRead(data)
            return
        case .failed:
            return
        case .waiting:
            break
        }
        let buffer = Self.unwrapInboundIn(data)
        receivedNothing = false
        guard buffer.readableBytes <= RPCHandshake.maximumMessage else {
            fail(context: context, "handshake message of \(buffer.readableBytes) bytes")
            return
        }
        switch handshake.receive(Array(buffer.readableBytesView)) {
        case .send(let bytes):
            context.writeAndFlush(Self.wrapOutboundOut(ByteBuffer(bytes: bytes)), promise: nil)
        case .sendAndFinish(let bytes):
            context.writeAndFlush(Self.wrapOutboundOut(ByteBuffer(bytes: bytes)), promise: nil)
            succeed(context: context)
        case .finished:
            succeed(context: context)
        case .fail(let reason):
            fail(context: context, reason)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        if state == .waiting { fail(context: context, receivedNothing ? "closed before the handshake began" : "connection closed during the handshake") }
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        switch state {
        case .waiting: fail(context: context, "\(error)")
        case .authenticated: context.fireErrorCaught(error)
        case .failed: break
        }
    }

    private func succeed(context: ChannelHandlerContext) {
        state = .authenticated
        timer?.cancel()
        authenticated?.succeed(())
        // Later messages pass straight through.
        context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
    }

    private func fail(context: ChannelHandlerContext, _ reason: String) {
        guard state == .waiting else { return }
        state = .failed
        timer?.cancel()
        let peer = context.channel.remoteAddress.map { "\($0)" } ?? "unknown"
        // A bare connect-and-close (a port check) is worth less attention than a peer that tried.
        logger?.log(
            level: receivedNothing ? .info : .warning, "rpc handshake failed; connection closed",
            metadata: ["peer": "\(peer)", "reason": "\(reason)"])
        authenticated?.fail(RPCHandshakeFailed(reason: reason))
        context.close(promise: nil)
    }
}

/// The peer could not prove the cluster secret (or did not answer in time).
struct RPCHandshakeFailed: Error, CustomStringConvertible {
    let reason: String
    var description: String { "RPC handshake failed: \(reason)" }
}
