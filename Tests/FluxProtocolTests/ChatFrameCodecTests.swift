import FluxProtocol
import NIOCore
import NIOTestUtils
import Testing

@Suite struct ChatFrameCodecTests {
    private func frameBytes(id: UInt16, body: String) -> ByteBuffer {
        var buffer = ByteBuffer()
        buffer.writeMultipleIntegers(id, UInt16(body.utf8.count))
        buffer.writeString(body)
        return buffer
    }

    @Test func decodesFramesSplitAtEveryByte() throws {
        let first = #"{"uid":1,"token":"t"}"#
        let second = #"{"fromuid":1}"#
        let expected = [
            ChatFrame(id: .chatLogin, body: ByteBuffer(string: first)),
            ChatFrame(id: .heartbeat, body: ByteBuffer(string: second)),
            ChatFrame(id: MessageID(rawValue: 7), body: ByteBuffer()),
        ]
        var input = frameBytes(id: 1005, body: first)
        input.writeImmutableBuffer(frameBytes(id: 1023, body: second))
        input.writeImmutableBuffer(frameBytes(id: 7, body: ""))
        // The verifier feeds the input whole, byte by byte and in random chunks.
        try ByteToMessageDecoderVerifier.verifyDecoder(
            inputOutputPairs: [(input, expected)],
            decoderFactory: { ChatFrameDecoder(maximumBodyLength: 1024) })
    }

    @Test func headerIsBigEndian() throws {
        var buffer = ByteBuffer(bytes: [0x03, 0xED, 0x00, 0x02, 0x7B, 0x7D])
        let frame = try #require(try ChatFrameDecoder.decodeFrame(from: &buffer, maximumBodyLength: 100))
        #expect(frame.id == .chatLogin)
        #expect(String(buffer: frame.body) == "{}")
        #expect(buffer.readableBytes == 0)
    }

    @Test func incompleteFrameConsumesNothing() throws {
        var buffer = frameBytes(id: 1005, body: "{}")
        buffer.moveWriterIndex(to: buffer.writerIndex - 1)
        #expect(try ChatFrameDecoder.decodeFrame(from: &buffer, maximumBodyLength: 100) == nil)
        #expect(buffer.readableBytes == 5)
        var header = ByteBuffer(bytes: [0x03, 0xED, 0x00])
        #expect(try ChatFrameDecoder.decodeFrame(from: &header, maximumBodyLength: 100) == nil)
    }

    @Test func oversizedBodyIsRefusedFromTheHeaderAlone() {
        // Only the header arrives: the decoder must not wait for 3000 bytes of body.
        var buffer = ByteBuffer(bytes: [0x03, 0xED, 0x0B, 0xB8])
        #expect(throws: ChatFrameError.bodyTooLarge(id: 1005, length: 3000, limit: 2048)) {
            try ChatFrameDecoder.decodeFrame(from: &buffer, maximumBodyLength: 2048)
        }
    }

    @Test func bodyAtTheLimitIsAccepted() throws {
        let body = String(repeating: "x", count: 2048)
        var buffer = frameBytes(id: 1017, body: body)
        let frame = try #require(try ChatFrameDecoder.decodeFrame(from: &buffer, maximumBodyLength: 2048))
        #expect(frame.body.readableBytes == 2048)
    }

    @Test func limitIsCappedAtTheFieldMaximum() {
        #expect(ChatFrameDecoder(maximumBodyLength: 1_000_000).maximumBodyLength == 65535)
    }

    @Test func encoderWritesHeaderAndBody() throws {
        var out = ByteBuffer()
        try ChatFrameEncoder.encode(ChatFrame(id: .heartbeatResponse, body: ByteBuffer(string: #"{"error":0}"#)), into: &out)
        #expect(Array(out.readableBytesView.prefix(4)) == [0x04, 0x00, 0x00, 0x0B])
        let decoded = try ChatFrameDecoder.decodeFrame(from: &out, maximumBodyLength: 100)
        #expect(decoded?.id == .heartbeatResponse)
        #expect(decoded.map { String(buffer: $0.body) } == #"{"error":0}"#)
    }

    @Test func encoderRefusesBodiesOverTheField() {
        let frame = ChatFrame(id: .notifyTextChat, body: ByteBuffer(repeating: 0x61, count: 65536))
        var out = ByteBuffer()
        #expect(throws: ChatFrameError.bodyTooLargeToEncode(length: 65536)) {
            try ChatFrameEncoder.encode(frame, into: &out)
        }
    }
}
