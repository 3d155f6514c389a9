import Dispatch
import FluxProtocol
import Logging
import NIOCore
import Synchronization

/// One client connection's events, handled in order by a task that exists only while there is work:
/// an idle connection holds no task and no async stream, only its channel and session.
///
/// The channel handler (`ChatConnectionHandler`) appends events on the event loop; the first event after
/// a quiet spell starts a task that handles events until none is left. When many frames wait (a client
/// far ahead of the server) the channel stops reading until the backlog is worked off.
final class ChatConnection: Sendable {
    enum Event: Sendable {
        case opened
        case frame(ChatFrame)
        case bodyTooLarge(id: UInt16, length: Int, limit: Int)
        /// Input refused with a notice; the connection stays open (WebSocket: bad envelope, binary message).
        case refused(ErrorNotice)
        case closed
    }

    private struct State {
        var events: [Event] = []
        var next = 0
        var running = false
        var readingPaused = false
        var ended = false
    }

    /// Frames waiting before the channel stops reading, and the level at which it reads again.
    static let pauseAbove = 64
    static let resumeBelow = 16

    let session: ChatSession
    private let channel: any Channel
    private let service: ChatService
    private let logger: Logger
    private let state = Mutex(State())

    init(session: ChatSession, channel: any Channel, service: ChatService, logger: Logger) {
        self.session = session
        self.channel = channel
        self.service = service
        self.logger = logger
    }

    /// The client sent something: the idle sweep leaves the connection alone for another timeout.
    func noteRead() {
        session.lastRead.store(service.uptime(), ordering: .relaxed)
    }

    /// On the event loop: queues `event`; returns whether the channel should stop reading for now.
    func post(_ event: Event) -> Bool {
        let (start, pause) = state.withLock { state -> (Bool, Bool) in
            guard !state.ended else { return (false, false) }
            if case .closed = event { state.ended = true }
            state.events.append(event)
            let waiting = state.events.count - state.next
            let pause = !state.readingPaused && waiting > Self.pauseAbove
            if pause { state.readingPaused = true }
            guard !state.running else { return (false, pause) }
            state.running = true
            return (true, pause)
        }
        if start {
            session.handling.store(true, ordering: .relaxed)
            Task { await self.work() }
        }
        return pause
    }

    /// On the event loop: handles a 1017 without a task when no earlier event is queued or being handled
    /// (so frames keep their order); false when it must be posted.
    func handleTextOnLoop(_ frame: ChatFrame) -> Bool {
        let idle = state.withLock { !$0.running && !$0.ended && $0.next >= $0.events.count }
        return idle && service.handleTextOnLoop(frame, in: session)
    }

    /// On the event loop: reads while not paused. Always set from the current state, so a resume decided
    /// off the loop cannot undo a pause decided on it afterwards.
    func applyReading() {
        let paused = state.withLock { $0.readingPaused }
        channel.setOption(ChannelOptions.autoRead, value: !paused).whenFailure { _ in }
    }

    private func work() async {
        while let event = take() {
            switch event {
            case .opened:
                await service.connected(session)
            case .frame(let frame):
                await service.handle(frame, in: session)
            case .bodyTooLarge(let id, let length, let limit):
                logger.info("frame over the body limit; closing", metadata: ["session": "\(session.id)", "length": "\(length)"])
                service.send(.notifyError, ErrorNotice(
                    error: .payloadTooLarge, msgid: Int(id), reason: "body of \(length) bytes is over the limit of \(limit)"),
                    to: session)
                session.finish()
            case .refused(let notice):
                logger.debug("input refused", metadata: ["session": "\(session.id)", "reason": "\(notice.reason)"])
                service.send(.notifyError, notice, to: session)
            case .closed:
                session.finish()
                await service.disconnected(session)
            }
        }
    }

    /// The next event, or nil (and the task ends) when none is left.
    private func take() -> Event? {
        let (event, resume) = state.withLock { state -> (Event?, Bool) in
            guard state.next < state.events.count else {
                state.events.removeAll(keepingCapacity: false)
                state.next = 0
                state.running = false
                session.handling.store(false, ordering: .relaxed)
                return (nil, false)
            }
            let event = state.events[state.next]
            state.next += 1
            if state.next > 32, state.next * 2 > state.events.count {
                state.events.removeFirst(state.next)
                state.next = 0
            }
            let resume = state.readingPaused && state.events.count - state.next < Self.resumeBelow
            if resume { state.readingPaused = false }
            return (event, resume)
        }
        if resume { channel.eventLoop.execute { self.applyReading() } }
        return event
    }
}
