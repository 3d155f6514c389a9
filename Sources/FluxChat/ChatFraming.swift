import FluxProtocol
import NIOCore

/// How `ChatConnectionHandler` gets frames out of its input: input is appended, then complete frames
/// are taken one by one (so no access is held while a frame is handled).
protocol ChatFraming {
    /// What the handler before passes on.
    associatedtype Input
    mutating func append(_ input: Input)
    /// The next complete frame, or nil; throws `ChatFrameError.bodyTooLarge` for a frame over the limit.
    mutating func next() throws -> ChatFrame?
}

/// TCP: frames cut from the byte stream (`ChatFrameStream`); bytes are kept only while a frame is
/// incomplete.
struct StreamFraming: ChatFraming {
    private var stream: ChatFrameStream

    init(maximumBodyLength: Int) {
        stream = ChatFrameStream(maximumBodyLength: maximumBodyLength)
    }

    mutating func append(_ input: ByteBuffer) {
        stream.append(input)
    }

    mutating func next() throws -> ChatFrame? {
        try stream.next()
    }
}

/// WebSocket: frames come decoded, one per read.
struct DecodedFraming: ChatFraming {
    private var frame: ChatFrame?

    mutating func append(_ input: ChatFrame) {
        frame = input
    }

    mutating func next() throws -> ChatFrame? {
        defer { frame = nil }
        return frame
    }
}
