/// Why a byte stream could not be read as chat frames.
public enum ChatFrameError: Error, Hashable, Sendable {
    /// A header announced a body longer than the configured limit; the connection must close.
    case bodyTooLarge(id: UInt16, length: Int, limit: Int)
    /// An outgoing body does not fit in the 16-bit length field.
    case bodyTooLargeToEncode(length: Int)

    /// The protocol error code a client is told before the connection closes.
    public var code: ErrorCode { .payloadTooLarge }
}
