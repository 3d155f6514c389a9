import FluxProtocol
import NIOCore
import Synchronization

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
    private let onWritten: @Sendable ([OutboundFrame]) -> Void

    /// `onWritten` hears each group of frames once they are in the socket (deliveries are recorded then).
    init(channel: any Channel, limit: Int, onWritten: @escaping @Sendable ([OutboundFrame]) -> Void) {
        self.channel = channel
        self.limit = limit
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
            // The whole group in one buffer and one write (no encoder handler in the pipeline).
            var buffer = channel.allocator.buffer(capacity: batch.reduce(0) { $0 + ChatFrame.headerLength + $1.frame.body.readableBytes })
            var written: [OutboundFrame] = []
            written.reserveCapacity(batch.count)
            for item in batch {
                // Only a body over the 16-bit length field fails; such a frame is not sent, so it is not
                // reported written (a text in it stays undelivered rather than marked delivered).
                guard (try? ChatFrameEncoder.encode(item.frame, into: &buffer)) != nil else { continue }
                written.append(item)
            }
            let channel = self.channel
            channel.writeAndFlush(buffer).whenComplete { [self] result in
                state.withLock { $0.unwritten -= batch.count }
                if case .success = result { onWritten(written) }
                // Closing only once the last bytes are in the socket: a close fails pending writes.
                if close { channel.close(promise: nil) }
            }
        } else if close {
            channel.close(promise: nil)
        }
    }
}
