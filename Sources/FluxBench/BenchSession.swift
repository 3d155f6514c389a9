import FluxClient
import FluxProtocol
import NIOCore
import NIOPosix

/// One logged-in chat connection of the load generator. After login, every frame goes to `handler` on
/// the connection's event loop.
final class BenchSession: @unchecked Sendable {
    // @unchecked: `handler` and `loginPromise` are read and written only on the connection's event loop
    // (set through `eventLoop.submit`), and `connection` is set once before any frame is sent.
    private(set) var connection: FrameConnection!
    var handler: (ChatFrame) -> Void = { _ in }
    private var loginPromise: EventLoopPromise<Void>?
    let uid: Int64

    private init(uid: Int64) {
        self.uid = uid
    }

    var eventLoop: any EventLoop { connection.channel.eventLoop }

    /// Connects to `host:port` and logs in with `1005 {uid, token}`; returns after 1103 (end of backlog).
    /// With `webSocket`, over that WebSocket instead of TCP.
    static func open(
        uid: Int64, token: String, host: String, port: Int, sourceHost: String? = nil, webSocket: WebSocketTarget? = nil
    ) async throws -> BenchSession {
        let session = BenchSession(uid: uid)
        if let webSocket {
            session.connection = try await FrameConnection.connect(
                webSocket: webSocket, sourceHost: sourceHost, onFrame: { frame in session.received(frame) })
        } else {
            session.connection = try await FrameConnection.connect(
                host: host, port: port, sourceHost: sourceHost, onFrame: { frame in session.received(frame) })
        }
        let loop = session.eventLoop
        let promise = loop.makePromise(of: Void.self)
        try await loop.submit {
            session.loginPromise = promise
            session.connection.send(.chatLogin, text: #"{"uid":\#(uid),"token":"\#(token)"}"#)
        }.get()
        let timeout = loop.scheduleTask(in: .seconds(30)) { promise.fail(BenchError("chat login of \(uid) timed out")) }
        defer { timeout.cancel() }
        try await promise.futureResult.get()
        return session
    }

    private func received(_ frame: ChatFrame) {
        guard let promise = loginPromise else { return handler(frame) }
        let refused = frame.id == .chatLoginResponse
            && !frame.bodyText.contains(#""error":0,"#) && !frame.bodyText.contains(#""error":0}"#)
        if refused {
            loginPromise = nil
            promise.fail(BenchError("chat login of \(uid) refused: \(frame.bodyText)"))
        } else if frame.id == .notifyBacklogDone {
            loginPromise = nil
            promise.succeed()
        }
    }

    /// Runs `body` on the connection's event loop.
    func onLoop(_ body: @escaping @Sendable () -> Void) {
        eventLoop.execute(body)
    }

    func close() {
        connection.close()
    }
}
