import FluxCluster
import FluxContracts
import FluxKV
import FluxProtocol
import FluxStore

extension ChatService {
    /// 1005: checks the token status issued, replaces an older session of the same user (1021), answers
    /// 1006 with the profile and lists, tells online friends, then sends the offline backlog.
    func login(_ request: ChatLoginRequest, session: ChatSession) async throws {
        try await tokens.check(uid: request.uid, token: request.token)
        guard let user = try await storeCall({ () async throws(StoreError) in try await profiles.user(request.uid) }) else {
            throw FluxError(.uidInvalid, "unknown uid \(request.uid)")
        }
        guard !user.disabled else { throw FluxError(.tokenInvalid, "account disabled") }
        // Everything that can fail is read before the session counts as logged in.
        let requests = try await storeCall { () async throws(StoreError) in try await store.friendRequests(to: user.uid, limit: 100) }
        let friends = try await storeCall { () async throws(StoreError) in try await store.friends(of: user.uid) }
        guard session.logIn(uid: user.uid) else { throw FluxError(.invalidTarget, "already logged in") }

        // One login of a user at a time in the whole cluster: the previous session, wherever it is, is
        // kicked before this one is recorded.
        let owner = router.presenceValue(session)
        let replaced: ChatSession?
        do {
            try await router.lock(user.uid, owner: owner)
        } catch {
            _ = session.markClosed()
            throw error
        }
        // The connection may have closed while this login waited: it must not kick a newer session.
        guard !session.isFinished else {
            await router.unlock(user.uid, owner: owner)
            _ = session.markClosed()
            throw FluxError(.invalidTarget, "connection closed during login")
        }
        do {
            try await router.takeOver(user.uid, session: session)
        } catch {
            await router.unlock(user.uid, owner: owner)
            _ = session.markClosed()
            throw error
        }
        replaced = registry.register(session, uid: user.uid)
        await router.unlock(user.uid, owner: owner)
        if let replaced {
            _ = replaced.markClosed()
            send(.notifyOffline, OfflineNotice(uid: user.uid), to: replaced)
            replaced.finish()
            logger.info("session replaced by a newer login", metadata: ["uid": "\(user.uid)", "old": "\(replaced.id)", "new": "\(session.id)"])
        }

        var friendEntries: [FriendEntry] = []
        for friend in friends {
            let online = await router.isOnline(friend.user.uid)
            friendEntries.append(FriendEntry(
                uid: friend.user.uid, name: friend.user.name, nick: friend.user.nick, icon: friend.user.icon,
                sex: friend.user.sex, desc: friend.user.desc, back: friend.back, online: online))
        }
        let response = ChatLoginResponse(
            uid: user.uid, name: user.name, email: user.email, nick: user.nick, desc: user.desc, sex: user.sex,
            icon: user.icon,
            applyList: requests.map { request, applicant in
                ApplyEntry(
                    uid: applicant.uid, name: applicant.name, nick: applicant.nick, icon: applicant.icon,
                    sex: applicant.sex, desc: applicant.desc, status: request.status)
            },
            friendList: friendEntries)
        send(.chatLoginResponse, response, to: session)
        logger.info("chat login", metadata: ["uid": "\(user.uid)", "session": "\(session.id)"])

        if replaced == nil {
            await announcePresence(of: user.uid, online: true, to: friends)
        }
        await sendBacklog(to: user.uid, session: session)
    }

    /// Sends every message stored for `uid` and not yet delivered, oldest first, as 1019, then the missed
    /// group texts as 1135, then 1103.
    /// Pages are paced by the session's queue so a long backlog never overflows it.
    private func sendBacklog(to uid: Int64, session: ChatSession) async {
        let pageSize = min(configuration.backlogPageSize, max(1, configuration.outboundQueueLimit / 4))
        var lastID: Int64 = 0
        var sent = Set<Int64>()
        var groupCount = 0
        do {
            while true {
                while session.queuedFrames > configuration.outboundQueueLimit / 4 {
                    if session.isFinished { return }
                    try await Task.sleep(for: .milliseconds(5))
                }
                let page = try await store.undeliveredMessages(to: uid, after: lastID, limit: pageSize)
                for message in page {
                    guard session.deliverBacklog(try Self.textNotice(message), messageID: message.id, uid: uid) else { return }
                    sent.insert(message.id)
                }
                lastID = page.last?.id ?? lastID
                if page.count < pageSize { break }
            }
            guard let groupTexts = try await sendGroupBacklog(to: uid, session: session) else { return }
            groupCount = groupTexts
        } catch {
            // Releasing held live messages now would put them before unsent older ones: close instead;
            // the next login sends everything still undelivered.
            logger.error("offline backlog interrupted; closing", metadata: ["uid": "\(uid)", "error": "\(error)"])
            session.closeNow()
            return
        }
        let catchUps = session.endBacklog(sent: sent)
        send(.notifyBacklogDone, BacklogDoneNotice(count: sent.count + groupCount), to: session)
        for (gid, after) in catchUps { groupCatchUp.start(session, uid: uid, gid: gid, after: after) }
    }

    /// 1115: ends the token and the session.
    func logout(uid: Int64, session: ChatSession) async throws {
        _ = try? await tokens.revoke(uid: uid)
        send(.logoutResponse, ErrorReply(error: .success), to: session)
        logger.info("chat logout", metadata: ["uid": "\(uid)"])
        session.finish()
    }

    /// The connection of `session` ended, for whatever reason.
    func disconnected(_ session: ChatSession) async {
        registry.untrack(session)
        guard let uid = session.markClosed() else { return }
        guard registry.remove(session, uid: uid) else { return }
        let wasCurrent = await router.forget(uid, session: session)
        logger.info("chat session ended", metadata: ["uid": "\(uid)", "session": "\(session.id)"])
        // A newer session elsewhere took over: the user is still online.
        guard wasCurrent else { return }
        if let friends = try? await store.friends(of: uid) {
            await announcePresence(of: uid, online: false, to: friends)
        }
    }

    /// A connection opened (not logged in yet).
    func connected(_ session: ChatSession) async {
        registry.track(session)
        let address = session.remoteAddress
        guard await limits.admit("conn", subject: address, limit: configuration.connectionsPerAddressPerSecond, per: .seconds(1)) else {
            send(.notifyError, ErrorNotice(error: .rateLimited, msgid: 0, reason: "too many new connections from \(address)"), to: session)
            session.finish()
            logger.debug("connection refused: too many from one address a second", metadata: ["address": "\(address)"])
            return
        }
    }

    /// Graceful shutdown: lets every connection's queued frames go out and closes it, logged in or not.
    public func closeAllConnections() async {
        router.close()
        for session in registry.allConnections { session.finish() }
    }

    func announcePresence(of uid: Int64, online: Bool, to friends: [Friend]) async {
        for friend in friends {
            await notify(friend.user.uid, .notifyPresence, PresenceNotice(uid: uid, online: online))
        }
    }

    /// The 1019 of a stored text (written by `TextChatJSON`: this is the hottest frame).
    static func textNotice(_ message: StoredMessage) throws -> ChatFrame {
        ChatFrame(id: .notifyTextChat, body: TextChatJSON.encode(TextChatMessage(
            error: .success, fromuid: message.fromUID, touid: message.toUID,
            textArray: [TextItem(msgid: message.clientMsgID, content: message.content, seq: message.seq, time: message.createdAt)])))
    }
}
