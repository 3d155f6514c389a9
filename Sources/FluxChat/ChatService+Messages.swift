import FluxProtocol
import FluxStore

extension ChatService {
    /// 1017: checks, stores every text (durable before the 1018); the batcher delivers new ones to the
    /// recipient if online.
    func sendText(_ request: TextChatMessage, uid: Int64, session: ChatSession) async throws {
        guard request.touid != uid else { throw FluxError(.invalidTarget, "cannot message yourself") }
        guard !request.textArray.isEmpty else { throw FluxError(.badJSON, "empty text_array") }
        guard request.textArray.count <= configuration.maxTextsPerRequest else {
            throw FluxError(.textTooLong, "more than \(configuration.maxTextsPerRequest) texts")
        }
        for item in request.textArray {
            guard !item.msgid.isEmpty, item.msgid.utf8.count <= 128 else { throw FluxError(.badJSON, "bad msgid") }
            guard item.content.count <= configuration.maxTextLength else {
                throw FluxError(.textTooLong, "text over \(configuration.maxTextLength) characters")
            }
        }
        guard try await storeCall({ () async throws(StoreError) in try await store.areFriends(uid, request.touid) }) else {
            throw FluxError(.notFriends, "\(request.touid) is not a friend")
        }
        let stored: [StoredMessage]
        do {
            stored = try await batcher.append(request.textArray.map {
                NewMessage(fromUID: uid, toUID: request.touid, clientMsgID: $0.msgid, content: $0.content)
            })
        } catch {
            logger.error("texts not stored", metadata: ["uid": "\(uid)", "error": "\(error)"])
            throw FluxError(.internalError, "store failed")
        }
        metrics.received(stored.count { !$0.isDuplicate })
        send(.textChatResponse, TextChatMessage(
            error: .success, fromuid: uid, touid: request.touid,
            textArray: stored.map { TextItem(msgid: $0.clientMsgID, content: $0.content, seq: $0.seq, time: $0.createdAt) }),
            to: session)
    }

    /// 1101: a page of one conversation of the session's user.
    func history(_ request: HistoryRequest, uid: Int64, session: ChatSession) async throws {
        let limit = min(max(request.limit ?? 50, 1), 200)
        let page: HistoryPage = request.before.map { .before($0) } ?? request.after.map { .after($0) } ?? .latest
        let messages = try await storeCall { () async throws(StoreError) in
            try await store.history(uid: uid, peer: request.peer, page: page, limit: limit)
        }
        var items = messages.map {
            HistoryItem(seq: $0.seq, msgid: $0.clientMsgID, fromuid: $0.fromUID, touid: $0.toUID, content: $0.content, time: $0.createdAt)
        }
        // A page must fit the 16-bit frame length: shorten it from the end far from the cursor.
        var frame = try ChatFrame(.historyResponse, json: HistoryResponse(peer: request.peer, messages: items))
        while frame.body.readableBytes > ChatFrame.maximumBodyLength, items.count > 1 {
            let keep = items.count / 2
            items = request.after != nil ? Array(items.prefix(keep)) : Array(items.suffix(keep))
            frame = try ChatFrame(.historyResponse, json: HistoryResponse(peer: request.peer, messages: items))
        }
        session.send(frame)
    }

    /// 1105: the session's user received or read `peer`'s messages up to `seq`; `peer` hears 1107.
    func receipt(_ request: ReceiptMessage, uid: Int64, session: ChatSession) async throws {
        guard request.seq >= 0 else { throw FluxError(.badJSON, "negative seq") }
        guard try await storeCall({ () async throws(StoreError) in try await store.areFriends(uid, request.peer) }) else {
            throw FluxError(.notFriends, "\(request.peer) is not a friend")
        }
        try await storeCall { () async throws(StoreError) in
            try await store.saveReceipt(reader: uid, peer: request.peer, seq: request.seq, read: request.kind == .read)
        }
        send(.receiptResponse, ReceiptMessage(error: .success, peer: request.peer, seq: request.seq, kind: request.kind), to: session)
        await notify(request.peer, .notifyReceipt, ReceiptNotice(fromuid: uid, seq: request.seq, kind: request.kind))
    }
}
