import FluxClient
import FluxProtocol
import Synchronization

/// Texts from one user to another, sent one after another in the background while a test stops and
/// starts a server under them. The test paces itself on what the flow has seen (so many acknowledged, a
/// refusal) instead of on sleeps. The flow ends at its first refused text, or when told to stop.
final class TextFlow: Sendable {
    private struct Progress {
        var acknowledged: [String] = []
        var refused = false
        var stopped = false
    }

    private let progress = Mutex(Progress())
    private let running = Mutex<Task<Void, Never>?>(nil)

    /// Starts sending from `sender` to `peer`, with msgids `prefix-0`, `prefix-1`, …
    static func start(from sender: ChatUser, to peer: ChatUser, msgids prefix: String) -> TextFlow {
        let flow = TextFlow()
        flow.running.withLock { $0 = Task { await flow.send(from: sender, to: peer, prefix: prefix) } }
        return flow
    }

    private func send(from sender: ChatUser, to peer: ChatUser, prefix: String) async {
        var index = 0
        while !progress.withLock({ $0.stopped }) {
            let msgid = "\(prefix)-\(index)"
            // No answer within the client's timeout counts as refused: it was not acknowledged.
            let reply = try? await sender.text(peer, "m\(index)", msgid: msgid)
            index += 1
            let refused = progress.withLock { progress in
                if reply?.error == .success { progress.acknowledged.append(msgid) } else { progress.refused = true }
                return progress.refused
            }
            if refused { return }
        }
    }

    /// The msgids acknowledged so far, in order.
    var acknowledged: [String] { progress.withLock { $0.acknowledged } }

    /// Whether a text was refused (then the flow has ended).
    var wasRefused: Bool { progress.withLock { $0.refused } }

    /// Stops the flow, waits for its last text's answer, and returns every msgid acknowledged.
    func finish() async -> [String] {
        progress.withLock { $0.stopped = true }
        await running.withLock { $0 }?.value
        return acknowledged
    }
}

extension ChatClient {
    /// The msgids of every stored text between the client's user and `peer`, read page by page; throws
    /// if a page is refused (the store is not back yet, say).
    func storedMsgids(with peer: Int64) async throws -> Set<String> {
        var stored = Set<String>()
        var after: Int64 = 0
        while true {
            let page = try await request(.history, HistoryRequest(peer: peer, after: after, limit: 200), as: HistoryResponse.self)
            guard page.error == .success else { throw FluxError(page.error, "history page refused") }
            stored.formUnion(page.messages.map(\.msgid))
            guard let last = page.messages.last else { return stored }
            after = last.seq
        }
    }
}
