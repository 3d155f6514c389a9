import FluxProtocol
import FluxStore
import Logging

/// Brings one session's group up to date from the store: after a gap in its live texts, or when the
/// fault sweep finds its delivered cursor behind. Texts go out in seq order, each once (`GroupCursorBook`),
/// paced by the session's queue; a member no longer in the group gets nothing.
struct GroupCatchUp: Sendable {
    let store: any Store
    let logger: Logger
    let pageSize: Int
    let queueLimit: Int

    /// Runs a catch-up of `gid` for `uid`'s `session` from after `seq`, in a task of its own.
    func start(_ session: ChatSession, uid: Int64, gid: Int64, after seq: Int64) {
        Task { await run(session, uid: uid, gid: gid, after: seq) }
    }

    func run(_ session: ChatSession, uid: Int64, gid: Int64, after seq: Int64) async {
        var after = seq
        do {
            while true {
                guard try await store.groupRole(gid: gid, uid: uid) != nil else {
                    session.forgetGroup(gid)
                    return
                }
                while !session.isFinished {
                    while session.queuedFrames > queueLimit / 4, !session.isFinished {
                        try await Task.sleep(for: .milliseconds(5))
                    }
                    let page = try await store.groupHistory(gid: gid, page: .after(after), limit: pageSize)
                    for text in page {
                        guard session.deliverGroupStored(try ChatService.groupTextNotice(text), gid: gid, seq: text.seq, uid: uid) else { return }
                        after = text.seq
                    }
                    if page.count < pageSize { break }
                }
                guard let next = session.endGroupCatchUp(gid) else { return }
                after = next
            }
        } catch {
            session.abandonGroupCatchUp(gid)
            logger.warning("group catch-up interrupted; the fault sweep tries again", metadata: [
                "uid": "\(uid)", "gid": "\(gid)", "error": "\(error)",
            ])
        }
    }
}
