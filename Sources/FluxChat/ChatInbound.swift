import Dispatch
import FluxProtocol
import NIOCore

/// What the last handler of a chat connection does with its events, shared by the TCP handler (which
/// decodes frames itself) and the WebSocket one (which gets them decoded). A value kept inside the handler:
/// no object of its own on every connection.
struct ChatInbound {
    let connection: ChatConnection
    /// After an oversized frame all further input is refused; the notice still has to go out.
    private(set) var refusedInput = false
    private var opened = false

    init(connection: ChatConnection) {
        self.connection = connection
    }

    mutating func open() {
        guard !opened else { return }
        opened = true
        _ = connection.post(.opened)
    }

    /// On the event loop: one frame from the client.
    func receive(_ frame: ChatFrame) {
        guard !refusedInput else { return }
        connection.session.lastRead.store(DispatchTime.now().uptimeNanoseconds, ordering: .relaxed)
        // A plain 1017 while nothing else of this connection is being handled: at once, here.
        if frame.id == .textChat, connection.handleTextOnLoop(frame) { return }
        if connection.post(.frame(frame)) {
            connection.applyReading()
        }
    }

    /// A frame announced a body over the limit: the notice goes out, then the writer closes the connection.
    mutating func refuse(id: UInt16, length: Int, limit: Int) {
        refusedInput = true
        _ = connection.post(.bodyTooLarge(id: id, length: length, limit: limit))
    }

    func keepAlive() {
        connection.session.lastRead.store(DispatchTime.now().uptimeNanoseconds, ordering: .relaxed)
    }

    func closed() {
        _ = connection.post(.closed)
    }

    /// An error from the handlers before: a refusal of input the connection survives, or the end of it.
    mutating func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if let error = error as? ChatFrameError, case .bodyTooLarge(let id, let length, let limit) = error {
            refuse(id: id, length: length, limit: limit)
        } else if let refusal = error as? ChatInputRefusal {
            keepAlive()
            if connection.post(.refused(refusal.notice)) { connection.applyReading() }
        } else if !refusedInput {
            context.close(promise: nil)
        }
    }
}
