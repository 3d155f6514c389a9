import FluxProtocol
import NIOCore

/// One RPC message after framing: a binary header, then the JSON payload, so the header is read without
/// parsing JSON and the payload is decoded exactly once, straight into its type.
///
/// ```
/// call:   0x01  id:u64  method-length:u8  method  params-JSON
/// result: 0x02  id:u64  result-JSON
/// error:  0x03  id:u64  code:u16  reason (UTF-8)
/// ```
enum RPCEnvelope: Equatable {
    case call(id: UInt64, method: String, params: ByteBuffer)
    case result(id: UInt64, ByteBuffer)
    case error(id: UInt64, FluxError)

    private static let callKind: UInt8 = 1
    private static let resultKind: UInt8 = 2
    private static let errorKind: UInt8 = 3

    /// Writes the message into `buffer`.
    func write(into buffer: inout ByteBuffer) {
        switch self {
        case .call(let id, let method, let params):
            buffer.writeInteger(Self.callKind)
            buffer.writeInteger(id)
            let name = method.utf8.prefix(255)
            buffer.writeInteger(UInt8(name.count))
            buffer.writeBytes(name)
            buffer.writeImmutableBuffer(params)
        case .result(let id, let value):
            buffer.writeInteger(Self.resultKind)
            buffer.writeInteger(id)
            buffer.writeImmutableBuffer(value)
        case .error(let id, let error):
            buffer.writeInteger(Self.errorKind)
            buffer.writeInteger(id)
            buffer.writeInteger(UInt16(clamping: max(0, error.code.rawValue)))
            buffer.writeString(error.reason)
        }
    }

    /// The message as one buffer.
    func encoded(allocator: ByteBufferAllocator = ByteBufferAllocator()) -> ByteBuffer {
        var buffer = allocator.buffer(capacity: 16 + payloadSize)
        write(into: &buffer)
        return buffer
    }

    private var payloadSize: Int {
        switch self {
        case .call(_, let method, let params): method.utf8.count + params.readableBytes
        case .result(_, let value): value.readableBytes
        case .error(_, let error): error.reason.utf8.count
        }
    }

    /// Reads one message; the payload is a slice of `buffer`, not a copy.
    static func decode(_ buffer: ByteBuffer) throws(RPCEnvelopeError) -> RPCEnvelope {
        var buffer = buffer
        guard let kind = buffer.readInteger(as: UInt8.self), let id = buffer.readInteger(as: UInt64.self) else {
            throw RPCEnvelopeError("message shorter than its header")
        }
        switch kind {
        case callKind:
            guard let length = buffer.readInteger(as: UInt8.self), let method = buffer.readString(length: Int(length)) else {
                throw RPCEnvelopeError("call without a method name")
            }
            return .call(id: id, method: method, params: buffer)
        case resultKind:
            return .result(id: id, buffer)
        case errorKind:
            guard let code = buffer.readInteger(as: UInt16.self) else { throw RPCEnvelopeError("error without a code") }
            let reason = buffer.readString(length: buffer.readableBytes) ?? ""
            return .error(id: id, FluxError(ErrorCode(rawValue: Int(code)), reason))
        default:
            throw RPCEnvelopeError("unknown message kind \(kind)")
        }
    }
}

/// A message that is not an RPC envelope: the connection is closed.
struct RPCEnvelopeError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
