import FluxProtocol
import NIOCore
import NIOWebSocket
import Synchronization

/// How a connection carries chat frames: the TCP protocol's binary header, or one WebSocket text message
/// per frame (`WebSocketEnvelope`).
enum ChatWireFraming: Sendable {
    case tcp
    case webSocket
}

/// Where a session's frames go: written to its channel on the channel's event loop, every frame queued
/// meanwhile in the same write and flush, with no task or stream between the session and the socket.
///
/// Frames not yet in the socket are counted; past `limit` the client is judged not to be reading
/// (`enqueue` answers `.dropped` and the session closes the connection). `finish` lets queued frames go
/// out and then closes the connection.
final class SessionWriter: Sendable {
    enum EnqueueResult {
        case enqueued
        case dropped
        case terminated
    }

    private struct State {
        var pending: [OutboundFrame] = []
        var scheduled = false
        /// Queued or written but not yet confirmed in the socket.
        var unwritten = 0
        var finished = false
        var closing = false
    }

    private let state = Mutex(State())
    private let channel: any Channel
    private let limit: Int
    private let framing: ChatWireFraming
    private let onWritten: @Sendable ([OutboundFrame]) -> Void

    /// `onWritten` hears each group of frames once they are in the socket (deliveries are recorded then).
    init(channel: any Channel, limit: Int, framing: ChatWireFraming = .tcp, onWritten: @escaping @Sendable ([OutboundFrame]) -> Void) {
        self.channel = channel
        self.limit = limit
        self.framing = framing
        self.onWritten = onWritten
    }

    /// Frames queued and not yet in the socket.
    var unwritten: Int { state.withLock { $0.unwritten } }

    func enqueue(_ item: OutboundFrame) -> EnqueueResult {
        let (result, schedule) = state.withLock { state -> (EnqueueResult, Bool) in
            guard !state.finished else { return (.terminated, false) }
            guard state.unwritten < limit else { return (.dropped, false) }
            state.pending.append(item)
            state.unwritten += 1
            guard !state.scheduled else { return (.enqueued, false) }
            state.scheduled = true
            return (.enqueued, true)
        }
        if schedule { channel.eventLoop.execute { self.drain() } }
        return result
    }

    /// No more frames: what is queued goes out, then the connection closes.
    func finish() {
        let schedule = state.withLock { state -> Bool in
            guard !state.finished else { return false }
            state.finished = true
            guard !state.scheduled else { return false }
            state.scheduled = true
            return true
        }
        if schedule { channel.eventLoop.execute { self.drain() } }
    }

    /// On the event loop: writes everything queued with one flush.
    private func drain() {
        let (batch, close) = state.withLock { state -> ([OutboundFrame], Bool) in
            // The array moves out whole: an idle connection keeps no buffer here.
            let batch = state.pending
            state.pending = []
            state.scheduled = false
            let close = state.finished && !state.closing
            if close { state.closing = true }
            return (batch, close)
        }
        if !batch.isEmpty {
            let written: [OutboundFrame]
            let done: EventLoopFuture<Void>
            switch framing {
            case .tcp: (written, done) = writeFrames(batch)
            case .webSocket: (written, done) = writeMessages(batch, closing: close)
            }
            let channel = self.channel
            done.whenComplete { [self] result in
                state.withLock { $0.unwritten -= batch.count }
                if case .success = result { onWritten(written) }
                // Closing only once the last bytes are in the socket: a close fails pending writes.
                if close { channel.close(promise: nil) }
            }
        } else if close {
            if framing == .webSocket {
                channel.writeAndFlush(Self.closeMessage(channel.allocator)).whenComplete { [channel] _ in channel.close(promise: nil) }
            } else {
                channel.close(promise: nil)
            }
        }
    }

    /// TCP: the whole group in one buffer and one write (no encoder handler in the pipeline).
    private func writeFrames(_ batch: [OutboundFrame]) -> ([OutboundFrame], EventLoopFuture<Void>) {
        var buffer = channel.allocator.buffer(capacity: batch.reduce(0) { $0 + ChatFrame.headerLength + $1.frame.body.readableBytes })
        var written: [OutboundFrame] = []
        written.reserveCapacity(batch.count)
        for item in batch {
            // Only a body over the 16-bit length field fails; such a frame is not sent, so it is not
            // reported written (a text in it stays undelivered rather than marked delivered).
            guard (try? ChatFrameEncoder.encode(item.frame, into: &buffer)) != nil else { continue }
            written.append(item)
        }
        return (written, channel.writeAndFlush(buffer))
    }

    /// WebSocket: one text message per frame, one flush for the group; the last write's completion
    /// stands for all (writes complete in order). A closing connection ends with a close message.
    private func writeMessages(_ batch: [OutboundFrame], closing: Bool) -> ([OutboundFrame], EventLoopFuture<Void>) {
        var last: EventLoopFuture<Void> = channel.eventLoop.makeSucceededVoidFuture()
        for item in batch {
            var buffer = channel.allocator.buffer(capacity: WebSocketEnvelope.encodedLength(item.frame))
            WebSocketEnvelope.encode(item.frame, into: &buffer)
            last = channel.write(WebSocketFrame(fin: true, opcode: .text, data: buffer))
        }
        if closing { last = channel.write(Self.closeMessage(channel.allocator)) }
        channel.flush()
        return (batch, last)
    }

    /// A WebSocket close with 1000 (normal closure), so a browser sees a clean end.
    private static func closeMessage(_ allocator: ByteBufferAllocator) -> WebSocketFrame {
        var data = allocator.buffer(capacity: 2)
        data.write(webSocketErrorCode: .normalClosure)
        return WebSocketFrame(fin: true, opcode: .connectionClose, data: data)
    }
}
