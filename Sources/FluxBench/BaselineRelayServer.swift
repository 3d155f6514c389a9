import FluxProtocol
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// The ceiling of this machine for the relay load: a minimal SwiftNIO relay with Flux's framing and
/// nothing else. Login (1005) takes the uid from the body by a byte scan and answers 1006 and 1103; a
/// text (1017) is forwarded unchanged as 1019 to the peer (uid XOR 1) and acknowledged with 1018.
/// No JSON, no store, no presence, no delivery records.
final class BaselineRelayServer: Sendable {
    private let group: MultiThreadedEventLoopGroup
    private let channel: any Channel
    let port: Int

    private init(group: MultiThreadedEventLoopGroup, channel: any Channel, port: Int) {
        self.group = group
        self.channel = channel
        self.port = port
    }

    /// Listens on a loopback port with `threads` event loops (as many as Flux's server uses).
    static func start(threads: Int = System.coreCount) async throws -> BaselineRelayServer {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: threads)
        let directory = NIOLockedValueBox<[Int64: any Channel]>([:])
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 1024)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(ChatFrameDecoder(maximumBodyLength: 65535)))
                    try channel.pipeline.syncOperations.addHandler(BaselineRelayHandler(directory: directory))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        return BaselineRelayServer(group: group, channel: channel, port: channel.localAddress?.port ?? 0)
    }

    func stop() async {
        try? await channel.close()
        try? await group.shutdownGracefully()
    }
}

private final class BaselineRelayHandler: ChannelInboundHandler {
    typealias InboundIn = ChatFrame
    typealias OutboundOut = ByteBuffer

    private let directory: NIOLockedValueBox<[Int64: any Channel]>
    private var uid: Int64?
    private var peer: (any Channel)?

    init(directory: NIOLockedValueBox<[Int64: any Channel]>) {
        self.directory = directory
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        switch frame.id {
        case .chatLogin:
            guard let uid = Self.uid(in: frame.body) else { return context.close(promise: nil) }
            self.uid = uid
            let channel = context.channel
            directory.withLockedValue { $0[uid] = channel }
            write(context, .chatLoginResponse, #"{"error":0}"#)
            write(context, .notifyBacklogDone, "{}")
            context.flush()
        case .textChat:
            guard let uid else { return }
            if peer == nil { peer = directory.withLockedValue { $0[uid ^ 1] } }
            if let peer {
                var buffer = peer.allocator.buffer(capacity: 4 + frame.body.readableBytes)
                buffer.writeMultipleIntegers(MessageID.notifyTextChat.rawValue, UInt16(frame.body.readableBytes))
                buffer.writeImmutableBuffer(frame.body)
                peer.writeAndFlush(buffer, promise: nil)
            }
            write(context, .textChatResponse, #"{"error":0}"#)
        default:
            break
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        context.flush()
    }

    func channelInactive(context: ChannelHandlerContext) {
        if let uid { directory.withLockedValue { _ = $0.removeValue(forKey: uid) } }
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }

    private func write(_ context: ChannelHandlerContext, _ id: MessageID, _ body: String) {
        var buffer = context.channel.allocator.buffer(capacity: 4 + body.utf8.count)
        buffer.writeMultipleIntegers(id.rawValue, UInt16(body.utf8.count))
        buffer.writeString(body)
        context.write(wrapOutboundOut(buffer), promise: nil)
    }

    private static let marker = Array(#""uid":"#.utf8)

    /// The digits after `"uid":`.
    private static func uid(in body: ByteBuffer) -> Int64? {
        BodyScan.number(after: marker, in: body).map { Int64(truncatingIfNeeded: $0) }
    }
}
