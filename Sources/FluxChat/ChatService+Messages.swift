import NIOCore
import FluxProtocol
import FluxStore

extension ChatService {
    /// 1017: checks, then queues the texts for the next group commit and returns without waiting for it,
    /// so the connection's next frame is read at once. The 1018 goes out after the commit (durable before
    /// it is acknowledged), in the order of the 1017s; the batcher delivers new texts to the recipient.
    func sendText(_ request: TextChatMessage, uid: Int64, session: ChatSession) async throws {
        try checkTexts(request, uid: uid)
        // Counted in the session: it is the uid's only one in the cluster (see `LocalRateWindow`).
        guard session.admitTexts(cost: request.textArray.count, limit: configuration.textsPerSecond, now: clock()) else {
            throw FluxError(.rateLimited, "more than \(configuration.textsPerSecond) texts a second")
        }
        // Friendships are never taken back while a session lives, so a yes is remembered for the session.
        if !session.knowsFriend(request.touid) {
            guard try await storeCall({ () async throws(StoreError) in try await store.areFriends(uid, request.touid) }) else {
                throw FluxError(.notFriends, "\(request.touid) is not a friend")
            }
            session.rememberFriend(request.touid)
        }
        queueTexts(request, uid: uid, session: session)
        // Back-pressure: a client far ahead of the store waits for a commit before its next frame is read.
        while session.textsInFlight.load(ordering: .relaxed) >= configuration.maxTextsInFlight {
            await batcher.waitForCommit()
        }
    }

    /// 1017 on the channel's event loop, without a task or any hop: the common case of a logged-in
    /// session sending plain texts to a friend it already sent to, with room in its window. Returns false
    /// (having changed nothing) when the frame needs the ordinary path: anything else, or any error but
    /// the rate limit. The caller makes sure no earlier frame of the connection is still being handled.
    func handleTextOnLoop(_ frame: ChatFrame, in session: ChatSession) -> Bool {
        guard case .handle(let uid?) = session.action(for: .textChat), !session.isFinished,
            session.textsInFlight.load(ordering: .relaxed) < configuration.maxTextsInFlight,
            let request = try? TextChatRequestParser.parse(frame.body),
            session.knowsFriend(request.touid), (try? checkTexts(request, uid: uid)) != nil
        else { return false }
        if session.admitTexts(cost: request.textArray.count, limit: configuration.textsPerSecond, now: clock()) {
            queueTexts(request, uid: uid, session: session)
        } else {
            refuseText(.rateLimited, session: session)
        }
        return true
    }

    /// The checks of a 1017 that need nothing but the request.
    private func checkTexts(_ request: TextChatMessage, uid: Int64) throws(FluxError) {
        guard request.touid != uid else { throw FluxError(.invalidTarget, "cannot message yourself") }
        try checkTextItems(request.textArray)
    }

    /// The limits every `text_array` keeps (1017 and 1133): 1–50 texts, a msgid of 1–128 bytes, content
    /// within `chat.max_text_length`.
    func checkTextItems(_ items: [TextItem]) throws(FluxError) {
        guard !items.isEmpty else { throw FluxError(.badJSON, "empty text_array") }
        guard items.count <= configuration.maxTextsPerRequest else {
            throw FluxError(.textTooLong, "more than \(configuration.maxTextsPerRequest) texts")
        }
        for item in items {
            guard !item.msgid.isEmpty, item.msgid.utf8.count <= 128 else { throw FluxError(.badJSON, "bad msgid") }
            guard item.content.count <= configuration.maxTextLength else {
                throw FluxError(.textTooLong, "text over \(configuration.maxTextLength) characters")
            }
        }
    }

    /// Hands checked texts to the next commit; the 1018 (or 1014) goes out from its completion.
    private func queueTexts(_ request: TextChatMessage, uid: Int64, session: ChatSession) {
        let messages = request.textArray.map { NewMessage(fromUID: uid, toUID: request.touid, clientMsgID: $0.msgid, content: $0.content) }
        session.textsInFlight.add(1, ordering: .relaxed)
        batcher.enqueue(messages) { [self] result in
            session.textsInFlight.subtract(1, ordering: .relaxed)
            switch result {
            case .success(let stored):
                metrics.received(stored.count { !$0.isDuplicate })
                session.send(Self.textResponse(stored, from: uid, to: request.touid))
            case .failure(let error):
                logger.error("texts not stored", metadata: ["uid": "\(uid)", "error": "\(error)"])
                reply(.textChat, error: .internalError, to: session)
            }
        }
    }

    /// Answers a refused 1017 with `code`: after the 1018s of earlier 1017s still being committed, so the
    /// answers keep the order of the requests.
    func refuseText(_ code: ErrorCode, session: ChatSession) {
        guard session.textsInFlight.load(ordering: .relaxed) > 0 else {
            reply(.textChat, error: code, to: session)
            return
        }
        session.textsInFlight.add(1, ordering: .relaxed)
        batcher.enqueue([]) { [self] _ in
            session.textsInFlight.subtract(1, ordering: .relaxed)
            reply(.textChat, error: code, to: session)
        }
    }

    /// 1101: a page of one conversation of the session's user.
    func history(_ request: HistoryRequest, uid: Int64, session: ChatSession) async throws {
        let limit = min(max(request.limit ?? 50, 1), 200)
        let page: HistoryPage = request.before.map { .before($0) } ?? request.after.map { .after($0) } ?? .latest
        let messages = try await storeCall { () async throws(StoreError) in
            try await store.history(uid: uid, peer: request.peer, page: page, limit: limit)
        }
        // How far the peer has received and read this user's messages.
        let marks = try await storeCall { () async throws(StoreError) in try await store.receipt(reader: request.peer, peer: uid) }
        var items = messages.map {
            HistoryItem(seq: $0.seq, msgid: $0.clientMsgID, fromuid: $0.fromUID, touid: $0.toUID, content: $0.content, time: $0.createdAt)
        }
        func response(_ items: [HistoryItem]) throws -> ChatFrame {
            try ChatFrame(.historyResponse, json: HistoryResponse(
                peer: request.peer, messages: items, peerDelivered: max(marks.delivered, marks.read), peerRead: marks.read))
        }
        // A page must fit the 16-bit frame length: shorten it from the end far from the cursor.
        var frame = try response(items)
        while frame.body.readableBytes > ChatFrame.maximumBodyLength, items.count > 1 {
            let keep = items.count / 2
            items = request.after != nil ? Array(items.prefix(keep)) : Array(items.suffix(keep))
            frame = try response(items)
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

    /// The 1018 for `stored`: every text with the sequence number and time the store gave it.
    static func textResponse(_ stored: [StoredMessage], from uid: Int64, to peer: Int64) -> ChatFrame {
        let message = TextChatMessage(
            error: .success, fromuid: uid, touid: peer,
            textArray: stored.map { TextItem(msgid: $0.clientMsgID, content: $0.content, seq: $0.seq, time: $0.createdAt) })
        return ChatFrame(id: .textChatResponse, body: TextChatJSON.encode(message))
    }
}
