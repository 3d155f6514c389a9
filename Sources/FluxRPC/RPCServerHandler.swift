import FluxProtocol
import Logging
import NIOCore

/// Runs the calls of one authenticated connection: each in a task of its own, at most
/// `maximumInFlight` at once. At the limit the handler stops asking the socket for more, so a peer that
/// sends faster than its calls finish is slowed by TCP instead of growing a queue here; calls that
/// arrived in the same read wait in a queue that one read's worth of bytes bounds.
final class RPCServerHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let methods: RPCMethods
    private let logger: Logger
    private let maximumInFlight: Int
    private var inFlight = 0
    private var readHeld = false
    private var queued = CircularBuffer<(id: UInt64, method: String, params: ByteBuffer)>()

    init(methods: RPCMethods, logger: Logger, maximumInFlight: Int) {
        self.methods = methods
        self.logger = logger
        self.maximumInFlight = maximumInFlight
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let envelope: RPCEnvelope
        do {
            envelope = try RPCEnvelope.decode(Self.unwrapInboundIn(data))
        } catch {
            logger.warning("rpc message not understood; connection closed", metadata: ["error": "\(error)"])
            context.close(promise: nil)
            return
        }
        guard case .call(let id, let method, let params) = envelope else {
            logger.warning("rpc answer sent to a server; connection closed")
            context.close(promise: nil)
            return
        }
        if inFlight >= maximumInFlight {
            queued.append((id, method, params))
        } else {
            start(id: id, method: method, params: params, context: context)
        }
    }

    private func start(id: UInt64, method: String, params: ByteBuffer, context: ChannelHandlerContext) {
        guard let handler = methods.handler(for: method) else {
            write(.error(id: id, FluxError(.unknownMessage, "no method \(method)")), context: context)
            return
        }
        inFlight += 1
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        let logger = self.logger
        Task {
            let answer: RPCEnvelope
            do {
                answer = .result(id: id, try await handler(params))
            } catch let error as FluxError {
                answer = .error(id: id, error)
            } catch {
                logger.error("rpc method failed", metadata: ["method": "\(method)", "error": "\(error)"])
                answer = .error(id: id, FluxError(.internalError, "\(error)"))
            }
            loopBound.eventLoop.execute {
                let (handler, context) = loopBound.value
                handler.finished(answer, context: context)
            }
        }
    }

    private func finished(_ answer: RPCEnvelope, context: ChannelHandlerContext) {
        inFlight -= 1
        write(answer, context: context)
        while inFlight < maximumInFlight, let next = queued.popFirst() {
            start(id: next.id, method: next.method, params: next.params, context: context)
        }
        if readHeld, inFlight < maximumInFlight, queued.isEmpty {
            readHeld = false
            context.read()
        }
    }

    private func write(_ answer: RPCEnvelope, context: ChannelHandlerContext) {
        guard context.channel.isActive else { return }
        context.writeAndFlush(Self.wrapOutboundOut(answer.encoded(allocator: context.channel.allocator)), promise: nil)
    }

    func read(context: ChannelHandlerContext) {
        if inFlight >= maximumInFlight || !queued.isEmpty {
            readHeld = true
        } else {
            context.read()
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        logger.debug("rpc connection failed", metadata: ["error": "\(error)"])
        context.close(promise: nil)
    }
}
