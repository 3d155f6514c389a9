/// Which group texts one session has queued, so each group's texts reach the client once each, in
/// sequence order, without gaps.
///
/// Live texts come from commits on any node and can be missing one (a peer's queue overflowed, a
/// presence lookup failed). A text that is not the next one of its group is not queued: the session
/// catches the group up from the store instead (`catchUp`), and live texts arriving meanwhile are left
/// to that catch-up, which runs again until none arrived during it.
struct GroupCursorBook: Sendable, Equatable {
    /// What to do with a live text.
    enum Decision: Equatable {
        /// Queue it: it is the next one.
        case queue
        /// Already queued, or a catch-up in progress covers it.
        case skip
        /// Texts are missing before it: read the group from the store after `after` (a catch-up is now in
        /// progress for this group).
        case catchUp(after: Int64)
    }

    /// gid → the highest seq queued.
    private var queued: [Int64: Int64] = [:]
    private var catchingUp: Set<Int64> = []
    /// Groups whose live texts arrived during their catch-up.
    private var missed: Set<Int64> = []

    /// The highest seq of `gid` queued (nil: this session has not seen the group yet).
    func last(_ gid: Int64) -> Int64? { queued[gid] }

    /// A live text `seq` of `gid` arrived. A group first seen live (joined during the session) starts
    /// at its first text.
    mutating func live(gid: Int64, seq: Int64) -> Decision {
        if catchingUp.contains(gid) {
            missed.insert(gid)
            return .skip
        }
        guard let last = queued[gid] else {
            queued[gid] = seq
            return .queue
        }
        if seq <= last { return .skip }
        if seq == last + 1 {
            queued[gid] = seq
            return .queue
        }
        catchingUp.insert(gid)
        return .catchUp(after: last)
    }

    /// Sets where `gid` stands (login: the delivered cursor or the start of the capped backlog), unless
    /// texts after that were queued already.
    mutating func start(gid: Int64, at seq: Int64) {
        queued[gid] = max(queued[gid] ?? seq, seq)
    }

    /// A text read from the store (backlog or catch-up): whether to queue it (it is after the last one).
    mutating func stored(gid: Int64, seq: Int64) -> Bool {
        if let last = queued[gid], seq <= last { return false }
        queued[gid] = seq
        return true
    }

    /// Starts a catch-up of `gid` (the periodic sweep): the seq to read after, or nil when one runs already.
    mutating func beginCatchUp(gid: Int64, from seq: Int64) -> Int64? {
        guard catchingUp.insert(gid).inserted else { return nil }
        start(gid: gid, at: seq)
        return queued[gid]
    }

    /// Ends a catch-up of `gid`: the seq to read after when live texts arrived during it (it goes on),
    /// nil when it is over.
    mutating func endCatchUp(gid: Int64) -> Int64? {
        if missed.remove(gid) != nil { return queued[gid] ?? 0 }
        catchingUp.remove(gid)
        return nil
    }

    /// Gives up a catch-up of `gid` (the store failed): the fault sweep starts another.
    mutating func abandonCatchUp(gid: Int64) {
        catchingUp.remove(gid)
        missed.remove(gid)
    }

    /// The session's user left or was removed: nothing more of `gid` is queued until it is seen again.
    mutating func forget(gid: Int64) {
        queued[gid] = nil
        catchingUp.remove(gid)
        missed.remove(gid)
    }
}
