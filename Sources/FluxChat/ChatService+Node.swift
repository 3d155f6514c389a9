import FluxProtocol
import FluxRPC
import NIOCore

/// What this node does for the other chat nodes.
extension ChatService: ChatNodeAPI {
    public func deliver(_ deliveries: [NodeDelivery]) async throws(FluxError) {
        for delivery in deliveries {
            guard let session = await registry.session(for: delivery.uid) else { continue }
            let frame = ChatFrame(id: MessageID(rawValue: delivery.frameID), body: ByteBuffer(string: delivery.body))
            if let messageID = delivery.messageID {
                session.deliverLive(frame, messageID: messageID, uid: delivery.uid)
            } else {
                session.send(frame)
            }
        }
    }

    public func kick(uid: Int64, session value: String) async throws(FluxError) {
        guard let session = await registry.session(for: uid), router.presenceValue(session) == value else { return }
        _ = await registry.remove(session, uid: uid)
        _ = session.markClosed()
        send(.notifyOffline, OfflineNotice(uid: uid), to: session)
        session.finish()
        logger.info("session kicked by a login on another node", metadata: ["uid": "\(uid)", "session": "\(session.id)"])
    }
}
