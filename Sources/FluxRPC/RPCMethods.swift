import FluxProtocol
import Foundation
import NIOCore
import NIOFoundationCompat
import Synchronization

/// The methods an `RPCServer` serves, by name.
final class RPCMethods: Sendable {
    typealias Handler = @Sendable (ByteBuffer) async throws -> ByteBuffer

    private let handlers = Mutex<[String: Handler]>([:])

    func register(_ method: String, _ handler: @escaping Handler) {
        handlers.withLock { $0[method] = handler }
    }

    func handler(for method: String) -> Handler? {
        handlers.withLock { $0[method] }
    }
}
