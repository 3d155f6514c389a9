import FluxProtocol
import NIOCore

/// What the last handler of a chat connection does with its events, shared by the TCP handler (which
/// decodes frames itself) and the WebSocket one (which gets them decoded).
///
/// Functions, not a value stored in the handler: a handler's calls re-enter it (a close runs
/// `channelInactive` at once), and a mutating call on a stored value still running then would be a
/// simultaneous access. The handlers keep their few flags as plain properties.
enum ChatInbound {
    /// On the event loop: one frame from the client.
    static func receive(_ frame: ChatFrame, on connection: ChatConnection) {
        connection.noteRead()
        // A plain 1017 while nothing else of this connection is being handled: at once, here.
        if frame.id == .textChat, connection.handleTextOnLoop(frame) { return }
        if connection.post(.frame(frame)) {
            connection.applyReading()
        }
    }

    static func keepAlive(_ connection: ChatConnection) {
        connection.noteRead()
    }

    /// An error from the handlers before. A frame over the body limit: its notice goes out, then the
    /// writer closes the connection (`refused` becomes true: input is ignored from then on). A refusal the
    /// connection survives (WebSocket): the notice. Anything else: true, the handler closes.
    static func errorCaught(_ error: any Error, on connection: ChatConnection, refused: inout Bool) -> Bool {
        if let error = error as? ChatFrameError, case .bodyTooLarge(let id, let length, let limit) = error {
            refused = true
            _ = connection.post(.bodyTooLarge(id: id, length: length, limit: limit))
            return false
        } else if let refusal = error as? ChatInputRefusal {
            keepAlive(connection)
            if connection.post(.refused(refusal.notice)) { connection.applyReading() }
            return false
        }
        return !refused
    }
}
