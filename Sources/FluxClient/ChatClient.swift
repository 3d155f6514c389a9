import FluxProtocol
import NIOCore
import NIOPosix
import NIOSSL

/// A client of the chat protocol over a real TCP connection: send frames, await responses and
/// notifications by message id. Used by the tests, and by `flux bench` and `flux admin` later.
public final class ChatClient: Sendable {
    private let channel: any Channel
    private let outgoing: AsyncStream<ByteBuffer>.Continuation
    private let inbox: FrameInbox
    private let connection: Task<Void, Never>

    private init(channel: any Channel, outgoing: AsyncStream<ByteBuffer>.Continuation, inbox: FrameInbox, connection: Task<Void, Never>) {
        self.channel = channel
        self.outgoing = outgoing
        self.inbox = inbox
        self.connection = connection
    }

    /// Connects to a chat node; with `tls`, over TLS (the context says which certificates to trust);
    /// with `from`, from that local address.
    public static func connect(host: String, port: Int, tls: NIOSSLContext? = nil, from local: String? = nil) async throws -> ChatClient {
        var bootstrap = ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
        if let local { bootstrap = bootstrap.bind(to: try SocketAddress(ipAddress: local, port: 0)) }
        let asyncChannel = try await bootstrap
            .connect(host: host, port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let tls { try channel.pipeline.syncOperations.addHandler(try NIOSSLClientHandler(context: tls, serverHostname: nil)) }
                    try channel.pipeline.syncOperations.addHandler(
                        ByteToMessageHandler(ChatFrameDecoder(maximumBodyLength: ChatFrame.maximumBodyLength)))
                    return try NIOAsyncChannel<ChatFrame, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
        return start(asyncChannel)
    }

    /// Connects to a chat node's WebSocket (the `ws` URL a gate login answers with), sending `origin` as a
    /// browser would; frames are the same as over TCP. Throws `WebSocketHandshakeError` if the server
    /// refuses the upgrade.
    public static func connect(
        webSocket url: String, origin: String? = nil, tls: NIOSSLContext? = nil, from local: String? = nil
    ) async throws -> ChatClient {
        guard let target = WebSocketTarget(url: url) else { throw WebSocketHandshakeError(status: nil) }
        var bootstrap = ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
        if let local { bootstrap = bootstrap.bind(to: try SocketAddress(ipAddress: local, port: 0)) }
        let upgraded = MultiThreadedEventLoopGroup.singleton.any().makePromise(of: NIOAsyncChannel<ChatFrame, ByteBuffer>.self)
        let channel = try await bootstrap
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let tls { try channel.pipeline.syncOperations.addHandler(try NIOSSLClientHandler(context: tls, serverHostname: nil)) }
                    try WebSocketHandshake.install(on: channel, target: target, origin: origin) { channel in
                        upgraded.succeed(try NIOAsyncChannel<ChatFrame, ByteBuffer>(wrappingChannelSynchronously: channel))
                    } failed: { error in
                        upgraded.fail(error)
                    }
                }
            }
            .connect(host: target.host, port: target.port).get()
        do {
            return start(try await upgraded.futureResult.get())
        } catch {
            try? await channel.close()
            throw error
        }
    }

    /// Runs a connected channel: writes what `send` queues, collects what arrives.
    private static func start(_ asyncChannel: NIOAsyncChannel<ChatFrame, ByteBuffer>) -> ChatClient {
        let (stream, continuation) = AsyncStream.makeStream(of: ByteBuffer.self)
        let inbox = FrameInbox()
        let connection = Task<Void, Never> {
            _ = try? await asyncChannel.executeThenClose { inbound, outbound in
                await withTaskGroup(of: Void.self) { group in
                    group.addTask {
                        for await buffer in stream {
                            do { try await outbound.write(buffer) } catch { break }
                        }
                    }
                    do {
                        for try await frame in inbound { await inbox.push(frame) }
                    } catch {}
                    await inbox.close()
                    continuation.finish()
                }
            }
        }
        return ChatClient(channel: asyncChannel.channel, outgoing: continuation, inbox: inbox, connection: connection)
    }

    /// Sends `body` as JSON in a frame with `id`.
    public func send(_ id: MessageID, _ body: some Encodable) throws {
        var buffer = ByteBuffer()
        try ChatFrameEncoder.encode(try ChatFrame(id, json: body), into: &buffer)
        outgoing.yield(buffer)
    }

    /// Sends `text` verbatim as the body of a frame with `id` (for malformed JSON).
    public func send(_ id: MessageID, text: String) {
        var buffer = ByteBuffer()
        buffer.writeMultipleIntegers(id.rawValue, UInt16(truncatingIfNeeded: text.utf8.count))
        buffer.writeString(text)
        outgoing.yield(buffer)
    }

    /// Sends raw bytes, framed or not.
    public func send(raw bytes: [UInt8]) {
        outgoing.yield(ByteBuffer(bytes: bytes))
    }

    /// The next frame with `id` (any frame if nil). Frames with other ids stay for later calls.
    public func next(_ id: MessageID? = nil, timeout: Duration = .seconds(5)) async throws -> ChatFrame {
        try await inbox.take(id, timeout: timeout)
    }

    /// The next frame with `id`, decoded as `type`.
    public func next<T: Decodable>(_ id: MessageID, as type: T.Type, timeout: Duration = .seconds(5)) async throws -> T {
        try await next(id, timeout: timeout).decode(type)
    }

    /// Sends a request and returns its response (the frame with `id + 1`) decoded as `type`.
    public func request<T: Decodable>(_ id: MessageID, _ body: some Encodable, as type: T.Type, timeout: Duration = .seconds(5)) async throws -> T {
        try send(id, body)
        return try await next(id.response, as: type, timeout: timeout)
    }

    /// Frames received and not taken yet, removing them.
    public func drain() async -> [ChatFrame] {
        await inbox.drain()
    }

    /// Whether the server has closed the connection, waiting up to `timeout` for it.
    public func waitForClose(timeout: Duration = .seconds(5)) async -> Bool {
        let deadline = ContinuousClock.now.advanced(by: timeout)
        while ContinuousClock.now < deadline {
            if await inbox.isClosed { return true }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return await inbox.isClosed
    }

    /// Closes the connection.
    public func close() async {
        outgoing.finish()
        try? await channel.close()
        await connection.value
    }
}
