import FluxCluster
import FluxProtocol
import FluxStore

/// Keeping what this node owns true after a fault: its sessions' presence entries, and every stored text
/// for a connected user reaching them.
extension ChatService {
    /// Checks this run's marker in the KV; false when the marker was gone (the KV restarted empty or was
    /// flushed), so everything this node wrote there must be written again.
    func keyValueStoreKeptItsData() async -> Bool {
        do {
            return try await router.presence.assertMarker(node: configuration.name, instance: router.instance) == false
        } catch {
            return true  // Unreachable: nothing to re-assert yet; the next sweep looks again.
        }
    }

    /// After a fault ended (the KV lost its data, status or a peer came back): presence re-written and
    /// every undelivered text re-sent to the connected users.
    public func recoverAfterFault() async {
        await reassertPresence()
        await redeliverMissed(olderThan: nil)
    }

    /// Makes every logged-in session's presence entry name it again: an absent entry is re-written; a
    /// session whose entry names another session (a newer login elsewhere) is closed with 1021.
    /// Returns how many entries were re-written.
    @discardableResult
    func reassertPresence() async -> Int {
        let sessions = registry.loggedIn
        guard !sessions.isEmpty, let entries = try? await router.presence.entries(of: sessions.map(\.uid)) else { return 0 }
        var restored = 0
        for (uid, session) in sessions {
            let mine = router.presenceEntry(session)
            guard entries[uid] != mine else { continue }
            if entries[uid] == nil, (try? await router.presence.recordIfAbsent(mine, for: uid)) == true {
                restored += 1
                continue
            }
            // Read again: a login here may have just replaced this session.
            guard let current = try? await router.presence.entry(of: uid), current != mine,
                registry.session(for: uid) === session
            else { continue }
            _ = registry.remove(session, uid: uid)
            _ = session.markClosed()
            send(.notifyOffline, OfflineNotice(uid: uid), to: session)
            session.finish()
            logger.notice("session closed: its user logged in elsewhere", metadata: ["uid": "\(uid)", "other": "\(current)"])
        }
        if restored > 0 {
            logger.notice("presence re-asserted", metadata: ["sessions": "\(restored)"])
        }
        return restored
    }

    /// Re-sends stored texts not yet delivered to the connected users that have any stored more than
    /// `olderThan` ago (all of them with nil). Texts already queued on a session are skipped there.
    func redeliverMissed(olderThan age: Duration?) async {
        let sessions = registry.loggedIn
        guard !sessions.isEmpty else { return }
        let cutoff = Int64(ChatMetrics.wallClockNanos() / 1_000_000)
            - (age.map { $0.components.seconds * 1000 + $0.components.attoseconds / 1_000_000_000_000_000 } ?? -60_000)
        await catchUpGroups(sessions.map { ($0.uid, $0.session) }, storedBefore: cutoff)
        let recipients: Set<Int64>
        do {
            recipients = try await store.recipientsWithUndelivered(among: sessions.map(\.uid), storedBefore: cutoff)
        } catch {
            logger.warning("re-delivery check failed", metadata: ["error": "\(error)"])
            return
        }
        var sent = 0
        for (uid, session) in sessions where recipients.contains(uid) && !session.isSendingBacklog {
            sent += await redeliver(to: uid, session: session)
        }
        if sent > 0 {
            logger.notice("texts re-sent to connected users", metadata: ["texts": "\(sent)", "users": "\(recipients.count)"])
        }
    }

    /// Queues `uid`'s undelivered texts on `session`, oldest first; returns how many were looked at.
    private func redeliver(to uid: Int64, session: ChatSession) async -> Int {
        let pageSize = min(configuration.backlogPageSize, max(1, configuration.outboundQueueLimit / 4))
        var lastID: Int64 = 0
        var count = 0
        while !session.isFinished {
            guard let page = try? await store.undeliveredMessages(to: uid, after: lastID, limit: pageSize) else { break }
            for message in page {
                guard let frame = try? Self.textNotice(message) else { continue }
                guard session.deliverLive(frame, messageID: message.id, uid: uid) else { return count }
                count += 1
            }
            lastID = page.last?.id ?? lastID
            if page.count < pageSize { break }
            while session.queuedFrames > configuration.outboundQueueLimit / 4, !session.isFinished {
                try? await Task.sleep(for: .milliseconds(5))
            }
        }
        return count
    }
}
