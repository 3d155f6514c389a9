@testable import FluxRPC
import Logging
import NIOCore
import NIOEmbedded
import NIOExtras
import Testing

/// What follows a failed handshake on the same connection is never passed on, even when it came in the
/// same write as the failing message (the frame decoder still hands on the frames it holds while the
/// connection closes).
@Suite struct RPCHandshakeFailureTests {
    let secret = Array("the-cluster-secret-of-32-bytes-or-more".utf8)

    /// Counts what reaches the handler after the handshake (the call table's place in the pipeline).
    final class Recorder: ChannelInboundHandler, @unchecked Sendable {
        // @unchecked: an EmbeddedChannel runs everything on the test's thread.
        typealias InboundIn = ByteBuffer
        var frames: [ByteBuffer] = []
        func channelRead(context: ChannelHandlerContext, data: NIOAny) { frames.append(unwrapInboundIn(data)) }
    }

    /// The server's pipeline as `RPCPipeline` builds it, without TLS.
    func serverChannel() throws -> (EmbeddedChannel, Recorder) {
        let channel = EmbeddedChannel()
        let recorder = Recorder()
        let pipeline = channel.pipeline.syncOperations
        try pipeline.addHandler(ByteToMessageHandler(LengthFieldBasedFrameDecoder(lengthFieldBitLength: .fourBytes)))
        try pipeline.addHandler(LengthFieldPrepender(lengthFieldBitLength: .fourBytes))
        try pipeline.addHandler(RPCHandshakeHandler(serverSecret: secret, logger: Logger(label: "test")))
        try pipeline.addHandler(recorder)
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        return (channel, recorder)
    }

    func framed(_ messages: [[UInt8]]) -> ByteBuffer {
        var buffer = ByteBuffer()
        for message in messages {
            buffer.writeInteger(UInt32(message.count))
            buffer.writeBytes(message)
        }
        return buffer
    }

    var assignCall: [UInt8] {
        let params = ByteBuffer(string: #"{"uid":1}"#)
        return Array(RPCEnvelope.call(id: 1, method: "status.assign", params: params).encoded().readableBytesView)
    }

    @Test func aCallAfterABadHelloInTheSameWriteIsDropped() throws {
        let (channel, recorder) = try serverChannel()
        try? channel.writeInbound(framed([Array(#"{"id":1,"method":"status.assign","params":{"uid":1}}"#.utf8), assignCall, assignCall]))
        #expect(recorder.frames.isEmpty, "\(recorder.frames.count) frames passed a failed handshake")
        #expect(!channel.isActive, "the connection is closed")
        _ = try? channel.finish()
    }

    @Test func aCallAfterAWrongProofInTheSameWriteIsDropped() throws {
        let (channel, recorder) = try serverChannel()
        // A well-formed hello from a peer with another secret; its proof cannot be right.
        let (_, hello) = RPCHandshake.client(secret: Array("another-secret-of-32-bytes-or-more!!".utf8))
        try channel.writeInbound(framed([hello]))
        #expect(channel.isActive, "a well-formed hello is answered")
        try? channel.writeInbound(framed([Array(repeating: 7, count: 32), assignCall]))
        #expect(recorder.frames.isEmpty, "\(recorder.frames.count) frames passed a failed handshake")
        #expect(!channel.isActive, "the connection is closed")
        _ = try? channel.finish()
    }

    @Test func framesAfterAGoodHandshakeArePassedOn() throws {
        let (channel, recorder) = try serverChannel()
        var (client, hello) = RPCHandshake.client(secret: secret)
        try channel.writeInbound(framed([hello]))
        var reply = ByteBuffer()  // the prepender writes the length and the message as two buffers
        while var part = try channel.readOutbound(as: ByteBuffer.self) { reply.writeBuffer(&part) }
        let length = reply.readInteger(as: UInt32.self) ?? 0
        let answer = reply.readBytes(length: Int(length)) ?? []
        guard case .send(let proof) = client.receive(answer) else {
            Issue.record("the client did not accept the server's answer")
            return
        }
        try channel.writeInbound(framed([proof, assignCall]))
        #expect(recorder.frames.count == 1, "the call after the proof reaches the call table")
        #expect(channel.isActive)
        _ = try? channel.finish()
    }
}
