import Logging
import ServiceLifecycle

/// The periodic sweep that keeps a chat node's promises after faults nobody told it about: every
/// `interval` it checks that the KV still holds its data (else re-asserts presence and re-sends
/// everything), re-asserts presence every few sweeps anyway, and re-sends stored texts that connected
/// users should have had more than `staleAfter` ago.
public struct PresenceKeeper: Service {
    private let chat: ChatService
    private let interval: Duration
    private let staleAfter: Duration
    private let logger: Logger
    private let renewal: RenewalTrigger

    /// `renewal` is fired when the KV lost its data, so the node's registration is written again at once.
    public init(chat: ChatService, interval: Duration, staleAfter: Duration = .seconds(1), renewal: RenewalTrigger, logger: Logger) {
        self.chat = chat
        self.renewal = renewal
        self.interval = interval
        self.staleAfter = staleAfter
        self.logger = logger
    }

    public func run() async throws {
        try? await cancelWhenGracefulShutdown {
            var sweep = 0
            _ = await self.chat.keyValueStoreKeptItsData()  // writes this run's marker
            while !Task.isCancelled {
                try? await Task.sleep(for: self.interval)
                sweep += 1
                if await self.chat.keyValueStoreKeptItsData() {
                    let restored = sweep % 5 == 0 ? await self.chat.reassertPresence() : 0
                    await self.chat.redeliverMissed(olderThan: restored > 0 ? nil : self.staleAfter)
                } else {
                    self.logger.warning("the shared KV lost this node's state; re-asserting registration and presence")
                    self.renewal.fire()
                    await self.chat.recoverAfterFault()
                }
            }
        }
    }
}
