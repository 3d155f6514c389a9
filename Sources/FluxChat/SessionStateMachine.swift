import FluxProtocol

/// The lifecycle of one chat connection as a plain value: connected → logged in → closed.
///
/// The connection asks it what to do with each frame and tells it what happened; it holds no I/O.
public struct SessionStateMachine: Sendable, Equatable {
    public enum State: Sendable, Equatable {
        case connected
        case loggedIn(uid: Int64)
        case closed
    }

    /// What to do with an incoming frame.
    public enum FrameAction: Sendable, Equatable {
        /// Handle it (as the logged-in `uid`, if any).
        case handle(uid: Int64?)
        /// Answer its response id with this error and go on.
        case reject(ErrorCode)
        /// The session is closed: drop it.
        case drop
    }

    public private(set) var state: State = .connected

    public init() {}

    /// The logged-in user, if any.
    public var uid: Int64? {
        if case .loggedIn(let uid) = state { return uid }
        return nil
    }

    /// Before login only 1005 is accepted; a second login on one connection is refused.
    public func action(for id: MessageID) -> FrameAction {
        switch state {
        case .closed:
            return .drop
        case .connected:
            return id == .chatLogin ? .handle(uid: nil) : .reject(.notLoggedIn)
        case .loggedIn(let uid):
            return id == .chatLogin ? .reject(.invalidTarget) : .handle(uid: uid)
        }
    }

    /// A login succeeded. Returns false (and changes nothing) unless the session was waiting for one.
    public mutating func loggedIn(uid: Int64) -> Bool {
        guard case .connected = state else { return false }
        state = .loggedIn(uid: uid)
        return true
    }

    /// The connection ended (closed by either side, replaced, logged out, idle). Returns the uid that was
    /// logged in, once; later calls return nil.
    public mutating func close() -> Int64? {
        let uid = self.uid
        state = .closed
        return uid
    }
}
