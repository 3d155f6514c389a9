import FluxProtocol
import FluxContracts
import NIOCore

/// What this node does for the other chat nodes.
extension ChatService: ChatNodeAPI {
    public func deliver(_ deliveries: [NodeDelivery]) async throws(FluxError) {
        let sessions = registry.sessions(for: Set(deliveries.map(\.uid)))
        for delivery in deliveries {
            guard let session = sessions[delivery.uid] else { continue }
            let frame = ChatFrame(id: MessageID(rawValue: delivery.frameID), body: ByteBuffer(string: delivery.body))
            if let messageID = delivery.messageID {
                session.deliverLive(frame, messageID: messageID, uid: delivery.uid, committedAt: delivery.committedAt)
            } else {
                session.send(frame)
            }
        }
    }

    public func kick(uid: Int64, session value: String) async throws(FluxError) {
        guard let session = registry.session(for: uid), router.presenceValue(session) == value else { return }
        _ = registry.remove(session, uid: uid)
        _ = session.markClosed()
        send(.notifyOffline, OfflineNotice(uid: uid), to: session)
        session.finish()
        logger.info("session kicked by a login on another node", metadata: ["uid": "\(uid)", "session": "\(session.id)"])
    }
}

extension ChatService {
    public func sessions() async throws(FluxError) -> [SessionSummary] {
        registry.loggedIn.map { entry in
            SessionSummary(
                uid: entry.uid, node: configuration.name, session: router.presenceValue(entry.session),
                connectedAt: entry.session.connectedAt, remote: entry.session.remote, queued: entry.session.queuedFrames)
        }
    }

    /// Draining tells each client where to go (a fresh assignment from status, which no longer picks this
    /// node) and closes what is still here after the grace period; the client's login on the new node
    /// takes over its presence, so nothing is delivered twice or lost.
    public func setDraining(_ draining: Bool, graceSeconds: Double) async throws(FluxError) -> Int {
        self.draining.store(draining, ordering: .relaxed)
        guard draining else { return 0 }
        let sessions = registry.loggedIn
        for (uid, session) in sessions {
            let notice: ReconnectNotice
            do {
                let next = try await status.assignChatNode(uid: uid)
                notice = ReconnectNotice(uid: uid, node: next.node, host: next.host, port: next.port, token: next.token, ws: next.ws)
            } catch {
                notice = ReconnectNotice(error: .rpcFailed, uid: uid)
            }
            send(.notifyReconnect, notice, to: session)
        }
        logger.notice("draining: clients told to reconnect elsewhere", metadata: ["count": "\(sessions.count)", "grace": "\(graceSeconds)"])
        Task {
            try? await Task.sleep(for: .milliseconds(Int64(graceSeconds * 1000)))
            for (uid, session) in sessions {
                if self.registry.session(for: uid) === session { session.finish() }
            }
        }
        return sessions.count
    }
}
