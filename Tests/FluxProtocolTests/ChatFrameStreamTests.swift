import FluxProtocol
import NIOCore
import Testing

/// `ChatFrameStream`: frames out of a byte stream read in pieces, as a TCP chat connection reads it.
@Suite struct ChatFrameStreamTests {
    static func frame(_ id: UInt16, _ body: String) -> [UInt8] {
        let bytes = Array(body.utf8)
        return [UInt8(id >> 8), UInt8(id & 0xFF), UInt8(bytes.count >> 8), UInt8(bytes.count & 0xFF)] + bytes
    }

    @Test func framesCutAnywhereComeOutWholeAndInOrder() throws {
        let stream = Self.frame(1023, "{}") + Self.frame(1017, #"{"a":1}"#) + Self.frame(1005, "")
        for cut in 1..<stream.count {
            var reader = ChatFrameStream(maximumBodyLength: 1024)
            var frames: [ChatFrame] = []
            for piece in [Array(stream[..<cut]), Array(stream[cut...])] {
                reader.append(ByteBuffer(bytes: piece))
                while let frame = try reader.next() { frames.append(frame) }
            }
            #expect(frames.map(\.id.rawValue) == [1023, 1017, 1005], "cut at \(cut)")
            #expect(frames.map(\.bodyText) == ["{}", #"{"a":1}"#, ""], "cut at \(cut)")
            #expect(reader.pendingBytes == 0)
        }
    }

    @Test func onlyTheIncompleteFrameIsKeptAsACopyOfItsBytes() throws {
        var reader = ChatFrameStream(maximumBodyLength: 1024)
        var read = ByteBufferAllocator().buffer(capacity: 4096)
        read.writeBytes(Self.frame(1023, "{}") + Array(Self.frame(1017, "hello").prefix(6)))
        reader.append(read)
        #expect(try reader.next()?.id.rawValue == 1023)
        #expect(try reader.next() == nil)
        #expect(reader.pendingBytes == 6)
        reader.append(ByteBuffer(bytes: Array(Self.frame(1017, "hello").dropFirst(6))))
        #expect(try reader.next()?.bodyText == "hello")
        #expect(try reader.next() == nil && reader.pendingBytes == 0)
    }

    @Test func aBodyOverTheLimitIsRefusedAndStaysRefused() {
        var reader = ChatFrameStream(maximumBodyLength: 4)
        reader.append(ByteBuffer(bytes: Self.frame(1009, "too long")))
        #expect(throws: ChatFrameError.bodyTooLarge(id: 1009, length: 8, limit: 4)) { try reader.next() }
        #expect(throws: ChatFrameError.bodyTooLarge(id: 1009, length: 8, limit: 4)) { try reader.next() }
    }
}
