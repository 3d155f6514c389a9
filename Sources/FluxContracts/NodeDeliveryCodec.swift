import FluxProtocol
import NIOCore

/// The compact binary form of a batch of `NodeDelivery` between chat nodes (`chat.deliver.bin`), written
/// and read without Foundation's JSON coders, which cost the receiving node half its time in cross-node
/// relays: a version byte, the count, then per delivery its uid, frame id, which optional fields follow,
/// those fields, and the body's length and bytes (all integers big-endian).
public enum NodeDeliveryCodec {
    static let version: UInt8 = 1
    /// A body longer than a chat frame can carry is not a delivery.
    static let maximumBodyLength = ChatFrame.maximumBodyLength

    public static func encode(_ deliveries: [NodeDelivery], into buffer: inout ByteBuffer) {
        buffer.writeInteger(version)
        buffer.writeInteger(UInt32(deliveries.count))
        for delivery in deliveries {
            var flags: UInt8 = 0
            if delivery.messageID != nil { flags |= 1 }
            if delivery.committedAt != nil { flags |= 2 }
            buffer.writeMultipleIntegers(delivery.uid, delivery.frameID, flags)
            if let id = delivery.messageID { buffer.writeInteger(id) }
            if let at = delivery.committedAt { buffer.writeInteger(at) }
            let lengthIndex = buffer.writerIndex
            buffer.writeInteger(UInt32(0))
            let written = buffer.writeString(delivery.body)
            buffer.setInteger(UInt32(written), at: lengthIndex)
        }
    }

    public static func encode(_ deliveries: [NodeDelivery]) -> ByteBuffer {
        var buffer = ByteBuffer()
        buffer.reserveCapacity(5 + deliveries.reduce(0) { $0 + 31 + $1.body.utf8.count })
        encode(deliveries, into: &buffer)
        return buffer
    }

    /// Reads a batch; throws 1001 for anything that is not exactly one well-formed batch.
    public static func decode(_ input: ByteBuffer) throws(FluxError) -> [NodeDelivery] {
        var buffer = input
        guard buffer.readInteger(as: UInt8.self) == version, let count = buffer.readInteger(as: UInt32.self) else {
            throw FluxError(.badJSON, "not a delivery batch")
        }
        // Each delivery takes at least 15 bytes: a count beyond what the buffer holds is a lie.
        guard Int(count) <= buffer.readableBytes / 15 else { throw FluxError(.badJSON, "delivery count \(count) is more than the batch holds") }
        var deliveries: [NodeDelivery] = []
        deliveries.reserveCapacity(Int(count))
        for _ in 0..<count {
            guard let (uid, frameID, flags) = buffer.readMultipleIntegers(as: (Int64, UInt16, UInt8).self) else {
                throw FluxError(.badJSON, "truncated delivery")
            }
            guard flags & ~3 == 0 else { throw FluxError(.badJSON, "unknown delivery flags \(flags)") }
            var messageID: Int64?
            var committedAt: UInt64?
            if flags & 1 != 0 {
                guard let id = buffer.readInteger(as: Int64.self) else { throw FluxError(.badJSON, "truncated delivery") }
                messageID = id
            }
            if flags & 2 != 0 {
                guard let at = buffer.readInteger(as: UInt64.self) else { throw FluxError(.badJSON, "truncated delivery") }
                committedAt = at
            }
            guard let length = buffer.readInteger(as: UInt32.self), Int(length) <= maximumBodyLength,
                let body = buffer.readString(length: Int(length))
            else { throw FluxError(.badJSON, "bad delivery body") }
            deliveries.append(NodeDelivery(uid: uid, frameID: frameID, body: body, messageID: messageID, committedAt: committedAt))
        }
        guard buffer.readableBytes == 0 else { throw FluxError(.badJSON, "bytes after the delivery batch") }
        return deliveries
    }
}
