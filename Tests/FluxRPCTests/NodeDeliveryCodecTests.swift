import FluxContracts
import FluxProtocol
import NIOCore
import Testing

@Suite struct NodeDeliveryCodecTests {
    let batch = [
        NodeDelivery(uid: 7, frameID: 1019, body: #"{"error":0,"text":"héllo ✓ 你好"}"#, messageID: 42, committedAt: 1_700_000_000_000_000_000),
        NodeDelivery(uid: -1, frameID: 1113, body: "{}"),
        NodeDelivery(uid: Int64.max, frameID: 0, body: "", messageID: nil, committedAt: 5),
    ]

    @Test func batchesRoundTrip() throws {
        #expect(try NodeDeliveryCodec.decode(NodeDeliveryCodec.encode(batch)) == batch)
        #expect(try NodeDeliveryCodec.decode(NodeDeliveryCodec.encode([])) == [])
    }

    @Test func everyTruncationIsRefused() {
        let whole = NodeDeliveryCodec.encode(batch)
        for length in 0..<whole.readableBytes {
            #expect(throws: FluxError.self, "\(length) of \(whole.readableBytes) bytes") {
                try NodeDeliveryCodec.decode(whole.getSlice(at: whole.readerIndex, length: length)!)
            }
        }
    }

    @Test func trailingBytesLyingCountsAndUnknownFlagsAreRefused() {
        var trailing = NodeDeliveryCodec.encode(batch)
        trailing.writeInteger(UInt8(0))
        #expect(throws: FluxError.self) { try NodeDeliveryCodec.decode(trailing) }
        var lying = ByteBuffer()
        lying.writeInteger(UInt8(1))
        lying.writeInteger(UInt32.max)
        #expect(throws: FluxError.self) { try NodeDeliveryCodec.decode(lying) }
        var flags = NodeDeliveryCodec.encode([NodeDelivery(uid: 1, frameID: 1019, body: "{}")])
        flags.setInteger(UInt8(4), at: flags.readerIndex + 5 + 8 + 2)
        #expect(throws: FluxError.self) { try NodeDeliveryCodec.decode(flags) }
        var version = NodeDeliveryCodec.encode(batch)
        version.setInteger(UInt8(2), at: version.readerIndex)
        #expect(throws: FluxError.self) { try NodeDeliveryCodec.decode(version) }
    }
}
