import FluxContracts
import FluxProtocol
import FluxStore
import NIOCore

/// Group texts: sending (1133 → 1134), delivery from other nodes, the login backlog and the fault sweep.
extension ChatService {
    /// 1133: checks, then queues the texts for the next group commit. The 1134 goes out after the commit
    /// (stored before acknowledged), in the order of the 1133s; the commit's members get 1135.
    func sendGroupText(_ request: GroupTextMessage, uid: Int64, session: ChatSession) async throws {
        try checkTextItems(request.textArray)
        guard session.admitGroupTexts(cost: request.textArray.count, limit: configuration.groups.textsPerSecond, now: clock()) else {
            throw FluxError(.rateLimited, "more than \(configuration.groups.textsPerSecond) group texts a second")
        }
        let gid = request.gid
        let texts = request.textArray.map { NewGroupMessage(gid: gid, fromUID: uid, clientMsgID: $0.msgid, content: $0.content) }
        session.groupTextsInFlight.add(1, ordering: .relaxed)
        groupBatcher.enqueue(texts) { [self] result in
            session.groupTextsInFlight.subtract(1, ordering: .relaxed)
            switch result {
            case .success(let outcomes):
                var items: [TextItem] = []
                for outcome in outcomes {
                    // Membership is checked in the storing transaction: all or none of one request's texts.
                    guard case .stored(let text) = outcome else {
                        reply(.groupText, error: .notGroupMember, to: session)
                        return
                    }
                    items.append(TextItem(msgid: text.clientMsgID, content: text.content, seq: text.seq, time: text.createdAt))
                }
                metrics.received(outcomes.count { if case .stored(let text) = $0 { !text.isDuplicate } else { false } })
                send(.groupText.response, GroupTextMessage(error: .success, gid: gid, textArray: items), to: session)
            case .failure(let error):
                logger.error("group texts not stored", metadata: ["uid": "\(uid)", "gid": "\(gid)", "error": "\(error)"])
                reply(.groupText, error: .internalError, to: session)
            }
        }
        while session.groupTextsInFlight.load(ordering: .relaxed) >= configuration.maxTextsInFlight {
            await groupBatcher.waitForCommit()
        }
    }

    /// From another node: each text to the sessions here of the members it names.
    public func deliverGroup(_ deliveries: [GroupDelivery]) async throws(FluxError) {
        let sessions = registry.sessions(for: Set(deliveries.flatMap(\.uids)))
        for delivery in deliveries {
            let frame = ChatFrame(id: .notifyGroupText, body: ByteBuffer(string: delivery.body))
            for uid in delivery.uids {
                guard let session = sessions[uid] else { continue }
                let decision = session.deliverGroupLive(frame, gid: delivery.gid, seq: delivery.seq, uid: uid, committedAt: delivery.committedAt)
                if case .catchUp(let after) = decision { groupCatchUp.start(session, uid: uid, gid: delivery.gid, after: after) }
            }
        }
    }

    /// At login, after the private backlog: per group, the texts after the delivered cursor (at most
    /// `group.backlog_limit`, the newest) as 1135. Returns how many were queued, nil if the session ended.
    func sendGroupBacklog(to uid: Int64, session: ChatSession) async throws -> Int? {
        let limit = configuration.groups.backlogLimit
        var count = 0
        for membership in try await store.groupMemberships(of: uid) {
            let gid = membership.info.gid
            let from = max(membership.deliveredSeq, membership.info.lastSeq - Int64(limit))
            session.startGroup(gid, at: from)
            guard membership.info.lastSeq > from else { continue }
            while session.queuedFrames > configuration.outboundQueueLimit / 4 {
                if session.isFinished { return nil }
                try await Task.sleep(for: .milliseconds(5))
            }
            for text in try await store.groupHistory(gid: gid, page: .after(from), limit: limit) {
                let own = text.fromUID == uid
                guard session.deliverGroupStored(try Self.groupTextNotice(text), gid: gid, seq: text.seq, uid: uid, own: own) else { return nil }
                if own {
                    tracker.delivered(groups: [GroupCursor(gid: gid, uid: uid, seq: text.seq)])
                } else {
                    count += 1
                }
            }
        }
        return count
    }

    /// The fault sweep's part for groups: connected members whose delivered cursor is behind a text
    /// stored before `cutoff` are caught up from the store (texts already queued are not sent again).
    func catchUpGroups(_ sessions: [(uid: Int64, session: ChatSession)], storedBefore cutoff: Int64) async {
        let behind: [GroupCursor]
        do {
            behind = try await store.groupsBehind(among: sessions.map(\.uid), storedBefore: cutoff)
        } catch {
            logger.warning("group catch-up check failed", metadata: ["error": "\(error)"])
            return
        }
        guard !behind.isEmpty else { return }
        let byUID = Dictionary(sessions.map { ($0.uid, $0.session) }, uniquingKeysWith: { first, _ in first })
        for cursor in behind {
            guard let session = byUID[cursor.uid], !session.isSendingBacklog,
                let after = session.beginGroupCatchUp(cursor.gid, from: cursor.seq)
            else { continue }
            groupCatchUp.start(session, uid: cursor.uid, gid: cursor.gid, after: after)
        }
    }
}
