import NIOCore

/// Cuts a byte stream that arrives in pieces into chat frames: what a TCP chat connection runs on every
/// read (`ChatConnectionHandler` with `StreamFraming`). Bytes are kept only while a frame is incomplete, and then as a copy of just
/// those bytes, so a kept piece never pins a whole read buffer.
public struct ChatFrameStream: Sendable {
    /// The largest body accepted, at most `ChatFrame.maximumBodyLength`.
    public let maximumBodyLength: Int
    private var pending: ByteBuffer?

    public init(maximumBodyLength: Int) {
        self.maximumBodyLength = ChatFrameDecoder(maximumBodyLength: maximumBodyLength).maximumBodyLength
    }

    /// Bytes kept for an incomplete frame.
    public var pendingBytes: Int { pending?.readableBytes ?? 0 }

    /// Adds bytes read from the connection.
    public mutating func append(_ bytes: ByteBuffer) {
        guard bytes.readableBytes > 0 else { return }
        if var held = pending {
            pending = nil  // one reference: the write below does not copy the kept bytes
            held.writeImmutableBuffer(bytes)
            pending = held
        } else {
            pending = bytes
        }
    }

    /// The next complete frame, or nil when the bytes so far end inside one. Throws `bodyTooLarge` for a
    /// header over the limit (and keeps throwing it: the stream cannot be resynchronised).
    public mutating func next() throws(ChatFrameError) -> ChatFrame? {
        guard var bytes = pending else { return nil }
        pending = nil
        let frame: ChatFrame?
        do {
            frame = try ChatFrameDecoder.decodeFrame(from: &bytes, maximumBodyLength: maximumBodyLength)
        } catch let error as ChatFrameError {
            pending = bytes
            throw error
        } catch {
            preconditionFailure("decodeFrame throws only ChatFrameError")
        }
        if let frame {
            pending = bytes.readableBytes > 0 ? bytes : nil
            return frame
        }
        var rest = ByteBufferAllocator().buffer(capacity: bytes.readableBytes)
        rest.writeImmutableBuffer(bytes)
        pending = rest
        return nil
    }
}
