import FluxProtocol
import NIOCore

/// A call handed to the connection: the handler gives it an entry in its table, writes it, and completes
/// `promise` with the answer, a timeout, or the connection's loss.
struct RPCOutboundCall: Sendable {
    var id: UInt64
    var method: String
    var params: ByteBuffer
    var timeout: TimeAmount
    var promise: EventLoopPromise<ByteBuffer>
}

/// Cancels call `id` (the caller's task was cancelled): sent down the pipeline as a user event.
struct RPCCancelCall: Sendable {
    var id: UInt64
}

/// The client side of one RPC connection. The table of calls in flight and their timeouts live on the
/// channel's event loop and nowhere else. At most `maximumInFlight` calls are on the wire; later ones
/// wait here, up to `maximumWaiting`, and beyond that are refused at once.
final class RPCClientHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = RPCOutboundCall
    typealias OutboundOut = ByteBuffer

    private struct InFlight {
        var promise: EventLoopPromise<ByteBuffer>
        var timer: Scheduled<Void>?
        var method: String
    }

    private let peer: String
    private let maximumInFlight: Int
    private let maximumWaiting: Int
    private var inFlight: [UInt64: InFlight] = [:]
    private var waiting: [RPCOutboundCall] = []
    private var waitingHead = 0
    private var closed = false

    init(peer: String, maximumInFlight: Int = 256, maximumWaiting: Int = 4096) {
        self.peer = peer
        self.maximumInFlight = maximumInFlight
        self.maximumWaiting = maximumWaiting
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let call = Self.unwrapOutboundIn(data)
        promise?.succeed(())
        guard !closed else {
            call.promise.fail(RPCLost(FluxError(.rpcFailed, "connection to \(peer) lost")))
            return
        }
        if inFlight.count < maximumInFlight {
            start(call, context: context)
        } else if waiting.count - waitingHead < maximumWaiting {
            waiting.append(call)
        } else {
            call.promise.fail(RPCLost(FluxError(.rpcFailed, "\(peer): too many calls waiting")))
        }
    }

    private func start(_ call: RPCOutboundCall, context: ChannelHandlerContext) {
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        let timer = context.eventLoop.scheduleTask(in: call.timeout) {
            let (handler, context) = loopBound.value
            handler.complete(call.id, .failure(RPCLost(FluxError(.rpcFailed, "\(handler.peer): \(call.method) timed out after \(call.timeout)"))), context: context)
        }
        inFlight[call.id] = InFlight(promise: call.promise, timer: timer, method: call.method)
        let envelope = RPCEnvelope.call(id: call.id, method: call.method, params: call.params)
        context.writeAndFlush(Self.wrapOutboundOut(envelope.encoded(allocator: context.channel.allocator)), promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch try? RPCEnvelope.decode(Self.unwrapInboundIn(data)) {
        case .result(let id, let value):
            complete(id, .success(value), context: context)
        case .error(let id, let error):
            complete(id, .failure(error), context: context)
        case .call, nil:
            // A server never calls its client: the peer is broken.
            context.close(promise: nil)
        }
    }

    func triggerUserOutboundEvent(context: ChannelHandlerContext, event: Any, promise: EventLoopPromise<Void>?) {
        guard let cancel = event as? RPCCancelCall else {
            context.triggerUserOutboundEvent(event, promise: promise)
            return
        }
        promise?.succeed(())
        if inFlight[cancel.id] != nil {
            complete(cancel.id, .failure(CancellationError()), context: context)
        } else if let index = waiting[waitingHead...].firstIndex(where: { $0.id == cancel.id }) {
            waiting[index].promise.fail(CancellationError())
            waiting.remove(at: index)
        }
    }

    private func complete(_ id: UInt64, _ result: Result<ByteBuffer, any Error>, context: ChannelHandlerContext) {
        guard let call = inFlight.removeValue(forKey: id) else { return }
        call.timer?.cancel()
        call.promise.completeWith(result)
        if waitingHead < waiting.count, !closed {
            let next = waiting[waitingHead]
            waitingHead += 1
            if waitingHead > 64, waitingHead * 2 > waiting.count {
                waiting.removeFirst(waitingHead)
                waitingHead = 0
            }
            start(next, context: context)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        closed = true
        let lost = RPCLost(FluxError(.rpcFailed, "connection to \(peer) lost"))
        for call in inFlight.values {
            call.timer?.cancel()
            call.promise.fail(lost)
        }
        inFlight.removeAll()
        for call in waiting[waitingHead...] { call.promise.fail(lost) }
        waiting.removeAll()
        waitingHead = 0
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}

/// A call that met no answer: its connection broke, it timed out, or it could not be queued.
struct RPCLost: Error {
    let error: FluxError
    init(_ error: FluxError) { self.error = error }
}
