import FluxTestSupport
import FluxClient
import FluxProtocol
import Foundation
import GRDB
import Testing

/// The chat protocol end to end over real sockets against a real `flux --role all`.
@Suite struct ChatStoryTests {
    @Test func twoUsersFindEachOtherBecomeFriendsAndTalk() async throws {
        try await TestFlux.run { (flux: TestFlux) async throws in
            let ann = try await ChatUser.signUp(flux, "ann")
            let ben = try await ChatUser.signUp(flux, "ben")
            #expect(ann.login.applyList.isEmpty && ann.login.friendList.isEmpty)

            let byName = try await ann.client.request(.searchUser, SearchUserRequest(uid: "ben"), as: SearchUserResponse.self)
            #expect(byName.error == .success && byName.uid == ben.uid && byName.name == "ben")
            let byUID = try await ann.client.request(.searchUser, SearchUserRequest(uid: "\(ben.uid)"), as: SearchUserResponse.self)
            #expect(byUID.name == "ben")
            let missing = try await ann.client.request(.searchUser, SearchUserRequest(uid: "nobody"), as: ErrorReply.self)
            #expect(missing.error == .uidInvalid)

            let asked = try await ann.client.request(
                .addFriend, AddFriendRequest(uid: ann.uid, applyname: "Ann here", bakname: "Benny", touid: ben.uid), as: ErrorReply.self)
            #expect(asked.error == .success)
            let notice = try await ben.client.next(.notifyAddFriend, as: AddFriendNotice.self)
            #expect(notice.applyuid == ann.uid && notice.name == "ann" && notice.nick == "ann")

            let accepted = try await ben.client.request(
                .authFriend, AuthFriendRequest(fromuid: ben.uid, touid: ann.uid, back: "Annie"), as: AuthFriendResponse.self)
            #expect(accepted.error == .success && accepted.uid == ann.uid && accepted.name == "ann")
            let told = try await ann.client.next(.notifyAuthFriend, as: AuthFriendNotice.self)
            #expect(told.fromuid == ben.uid && told.touid == ann.uid && told.name == "ben")

            let sent = try await ann.text(ben, "hello ben 👋", msgid: "a-1")
            #expect(sent.error == .success && sent.fromuid == ann.uid && sent.touid == ben.uid)
            #expect(sent.textArray.first?.seq == 1)
            let got = try await ben.client.next(.notifyTextChat, as: TextChatMessage.self)
            #expect(got.fromuid == ann.uid && got.textArray.map(\.content) == ["hello ben 👋"] && got.textArray.first?.msgid == "a-1")

            try await ben.text(ann, "hi ann", msgid: "b-1")
            let back = try await ann.client.next(.notifyTextChat, as: TextChatMessage.self)
            #expect(back.fromuid == ben.uid && back.textArray.first?.content == "hi ann" && back.textArray.first?.seq == 2)

            let beat = try await ann.client.request(.heartbeat, HeartbeatRequest(fromuid: ann.uid), as: ErrorReply.self)
            #expect(beat.error == .success)

            // Friendship is recorded both ways with each side's back name, and the request shows as accepted.
            let annAgain = try await ann.reconnect(flux)
            #expect(annAgain.login.friendList.map(\.uid) == [ben.uid])
            #expect(annAgain.login.friendList.first?.back == "Benny")
            #expect(annAgain.login.friendList.first?.online == true)
            let benAgain = try await ben.reconnect(flux)
            #expect(benAgain.login.friendList.first?.back == "Annie")
            #expect(benAgain.login.applyList.map(\.uid) == [ann.uid] && benAgain.login.applyList.first?.status == 1)
            #expect(benAgain.login.applyList.first?.name == "ann")

            let history = try await annAgain.client.request(.history, HistoryRequest(peer: ben.uid), as: HistoryResponse.self)
            #expect(history.messages.map(\.content) == ["hello ben 👋", "hi ann"])
            #expect(history.messages.map(\.seq) == [1, 2])
            let older = try await annAgain.client.request(.history, HistoryRequest(peer: ben.uid, before: 2), as: HistoryResponse.self)
            #expect(older.messages.map(\.seq) == [1])
        }
    }

    @Test func offlineMessagesArriveInOrderAtTheNextLogin() async throws {
        try await TestFlux.run { (flux: TestFlux) async throws in
            let cam = try await ChatUser.signUp(flux, "cam")
            let dee = try await ChatUser.signUp(flux, "dee")
            try await makeFriends(cam, dee)
            await dee.client.close()
            _ = try await cam.client.next(.notifyPresence)  // dee went offline

            for index in 1...30 {
                let reply = try await cam.text(dee, "message \(index)", msgid: "c-\(index)")
                #expect(reply.error == .success)
            }
            let back = try await dee.reconnect(flux, waitForBacklog: false)
            var received: [String] = []
            for _ in 1...30 {
                let notice = try await back.client.next(.notifyTextChat, as: TextChatMessage.self)
                #expect(notice.fromuid == cam.uid)
                received += notice.textArray.map(\.content)
            }
            #expect(received == (1...30).map { "message \($0)" })
            let done = try await back.client.next(.notifyBacklogDone, as: BacklogDoneNotice.self)
            #expect(done.count == 30)

            // Delivered once: once the deliveries are recorded, another login has nothing waiting.
            let database = try DatabaseQueue(path: flux.databasePath)
            _ = try await eventually {
                try await database.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM messages WHERE delivered = 0") ?? 0 } == 0
            }
            try await database.close()
            await back.client.close()
            let third = try await dee.reconnect(flux, waitForBacklog: false)
            let none = try await third.client.next(.notifyBacklogDone, as: BacklogDoneNotice.self)
            #expect(none.count == 0)
        }
    }

    @Test func resendWithTheSameMsgidIsStoredOnce() async throws {
        try await TestFlux.run { (flux: TestFlux) async throws in
            let eve = try await ChatUser.signUp(flux, "eve")
            let fin = try await ChatUser.signUp(flux, "fin")
            try await makeFriends(eve, fin)
            let first = try await eve.text(fin, "only once", msgid: "dup-1")
            let again = try await eve.text(fin, "only once", msgid: "dup-1")
            #expect(first.textArray.first?.seq == again.textArray.first?.seq)
            _ = try await fin.client.next(.notifyTextChat)
            await #expect(throws: ChatClientError.self) { try await fin.client.next(.notifyTextChat, timeout: .milliseconds(300)) }
            let history = try await fin.client.request(.history, HistoryRequest(peer: eve.uid), as: HistoryResponse.self)
            #expect(history.messages.count == 1)
        }
    }

    @Test func onlyFriendsExchangeTexts() async throws {
        try await TestFlux.run { (flux: TestFlux) async throws in
            let gil = try await ChatUser.signUp(flux, "gil")
            let hal = try await ChatUser.signUp(flux, "hal")
            let refused = try await gil.text(hal, "spam")
            #expect(refused.error == .notFriends)
            // Asking is not enough: the request must be accepted.
            _ = try await gil.client.request(.addFriend, AddFriendRequest(applyname: "gil", bakname: "hal", touid: hal.uid), as: ErrorReply.self)
            #expect(try await gil.text(hal, "still spam").error == .notFriends)
            let history = try await hal.client.request(.history, HistoryRequest(peer: gil.uid), as: HistoryResponse.self)
            #expect(history.messages.isEmpty)
            // Accepting a request that was never made.
            let bogus = try await gil.client.request(.authFriend, AuthFriendRequest(touid: hal.uid, back: "x"), as: ErrorReply.self)
            #expect(bogus.error == .noSuchRequest)
        }
    }

    @Test func spoofedSenderIsIgnored() async throws {
        try await TestFlux.run { (flux: TestFlux) async throws in
            let ivy = try await ChatUser.signUp(flux, "ivy")
            let jon = try await ChatUser.signUp(flux, "jon")
            let kim = try await ChatUser.signUp(flux, "kim")
            try await makeFriends(ivy, jon)
            try await makeFriends(kim, jon)
            // Ivy claims to be Kim.
            let reply = try await ivy.client.request(
                .textChat, TextChatMessage(fromuid: kim.uid, touid: jon.uid, textArray: [TextItem(msgid: "s1", content: "from kim?")]),
                as: TextChatMessage.self)
            #expect(reply.fromuid == ivy.uid)
            let got = try await jon.client.next(.notifyTextChat, as: TextChatMessage.self)
            #expect(got.fromuid == ivy.uid)
            // A friend request "from" Kim is Ivy's.
            _ = try await ivy.client.request(.addFriend, AddFriendRequest(uid: kim.uid, applyname: "kim", bakname: "", touid: jon.uid), as: ErrorReply.self)
            let notice = try await jon.client.next(.notifyAddFriend, as: AddFriendNotice.self)
            #expect(notice.applyuid == ivy.uid)
        }
    }

    @Test func secondLoginReplacesTheFirstWith1021() async throws {
        try await TestFlux.run { (flux: TestFlux) async throws in
            let lou = try await ChatUser.signUp(flux, "lou")
            let second = try await lou.reconnect(flux)
            let kicked = try await lou.client.next(.notifyOffline, as: OfflineNotice.self)
            #expect(kicked.uid == lou.uid)
            #expect(await lou.client.waitForClose())
            let beat = try await second.client.request(.heartbeat, HeartbeatRequest(), as: ErrorReply.self)
            #expect(beat.error == .success)
        }
    }

    @Test func presenceAndProfileReachFriends() async throws {
        try await TestFlux.run { (flux: TestFlux) async throws in
            let max = try await ChatUser.signUp(flux, "max")
            let ned = try await ChatUser.signUp(flux, "ned")
            try await makeFriends(max, ned)
            await ned.client.close()
            let offline = try await max.client.next(.notifyPresence, as: PresenceNotice.self)
            #expect(offline.uid == ned.uid && !offline.online)
            let nedBack = try await ned.reconnect(flux)
            let online = try await max.client.next(.notifyPresence, as: PresenceNotice.self)
            #expect(online.uid == ned.uid && online.online)
            #expect(nedBack.login.friendList.first?.online == true)

            // Fill the profile cache, then change the profile: the cache must not serve the old one.
            let before = try await nedBack.client.request(.searchUser, SearchUserRequest(uid: "\(max.uid)"), as: SearchUserResponse.self)
            #expect(before.nick == "max")
            let updated = try await max.client.request(
                .updateProfile, UpdateProfileRequest(nick: "Maxi", desc: "hello there", sex: 1), as: ProfileMessage.self)
            #expect(updated.error == .success && updated.nick == "Maxi" && updated.desc == "hello there" && updated.sex == 1)
            let seen = try await nedBack.client.next(.notifyProfile, as: ProfileMessage.self)
            #expect(seen.uid == max.uid && seen.nick == "Maxi")
            let searched = try await nedBack.client.request(.searchUser, SearchUserRequest(uid: "max"), as: SearchUserResponse.self)
            #expect(searched.nick == "Maxi" && searched.desc == "hello there")
            let byUID = try await nedBack.client.request(.searchUser, SearchUserRequest(uid: "\(max.uid)"), as: SearchUserResponse.self)
            #expect(byUID.nick == "Maxi" && byUID.sex == 1)
            let bad = try await max.client.request(.updateProfile, UpdateProfileRequest(sex: 9), as: ErrorReply.self)
            #expect(bad.error == .badJSON)
        }
    }

    @Test func logoutEndsTheSessionAndTheToken() async throws {
        try await TestFlux.run { (flux: TestFlux) async throws in
            let oli = try await ChatUser.signUp(flux, "oli")
            let bye = try await oli.client.request(.logout, ErrorReply(error: .success), as: ErrorReply.self)
            #expect(bye.error == .success)
            #expect(await oli.client.waitForClose())
            let again = try await ChatClient.connect(host: "127.0.0.1", port: try #require(flux.chatPort))
            let refused = try await again.request(.chatLogin, ChatLoginRequest(uid: oli.uid, token: oli.token), as: ErrorReply.self)
            #expect(refused.error == .uidInvalid)
            await again.close()
        }
    }

    @Test func receiptsReachTheSender() async throws {
        try await TestFlux.run { (flux: TestFlux) async throws in
            let pam = try await ChatUser.signUp(flux, "pam")
            let quin = try await ChatUser.signUp(flux, "quin")
            try await makeFriends(pam, quin)
            let sent = try await pam.text(quin, "did you read this?")
            let seq = try #require(sent.textArray.first?.seq)
            _ = try await quin.client.next(.notifyTextChat)
            let stored = try await quin.client.request(.receipt, ReceiptMessage(peer: pam.uid, seq: seq, kind: .read), as: ReceiptMessage.self)
            #expect(stored.error == .success && stored.kind == .read)
            let notice = try await pam.client.next(.notifyReceipt, as: ReceiptNotice.self)
            #expect(notice.fromuid == quin.uid && notice.seq == seq && notice.kind == .read)
        }
    }
}

/// History pages shrink to fit the 16-bit frame length instead of failing.
@Suite struct HistoryPageSizeTests {
    @Test func aPageTooBigForOneFrameIsShortened() async throws {
        try await TestFlux.run { (flux: TestFlux) async throws in
            let xia = try await ChatUser.signUp(flux, "xia")
            let yul = try await ChatUser.signUp(flux, "yul")
            try await makeFriends(xia, yul)
            let long = String(repeating: "長", count: 1300)  // ~3.9 KB of UTF-8 per text
            for index in 1...24 {
                #expect(try await xia.text(yul, long, msgid: "long-\(index)").error == .success)
            }
            let page = try await xia.client.request(.history, HistoryRequest(peer: yul.uid, limit: 50), as: HistoryResponse.self)
            #expect(!page.messages.isEmpty && page.messages.count < 24)
            #expect(page.messages.last?.seq == 24, "the newest messages are kept")
            let early = try await xia.client.request(.history, HistoryRequest(peer: yul.uid, after: 0, limit: 50), as: HistoryResponse.self)
            #expect(early.messages.first?.seq == 1, "paging forward keeps the oldest")
        }
    }
}

/// A backlog longer than a store page and than the outbound queue arrives whole and in order.
@Suite struct LongBacklogTests {
    @Test func backlogLongerThanTheQueueArrivesWholeAndInOrder() async throws {
        try await TestFlux.run(environment: ["FLUX_CHAT_OUTBOUND_QUEUE_LIMIT": "16"]) { (flux: TestFlux) async throws in
            let zed = try await ChatUser.signUp(flux, "zed")
            let ava = try await ChatUser.signUp(flux, "ava")
            try await makeFriends(zed, ava)
            await ava.client.close()
            _ = try await zed.client.next(.notifyPresence)
            for index in 1...60 {
                #expect(try await zed.text(ava, "backlog \(index)", msgid: "bl-\(index)").error == .success)
            }
            let back = try await ava.reconnect(flux, waitForBacklog: false)
            // A live message sent while the backlog is going out comes after it.
            #expect(try await zed.text(back, "live after", msgid: "live-1").error == .success)
            var received: [String] = []
            while received.count < 61 {
                let notice = try await back.client.next(.notifyTextChat, as: TextChatMessage.self)
                received += notice.textArray.map(\.content)
            }
            #expect(received == (1...60).map { "backlog \($0)" } + ["live after"])
            let done = try await back.client.next(.notifyBacklogDone, as: BacklogDoneNotice.self)
            // The live text may have been stored before the last page was read: then it is part of the backlog.
            #expect(done.count == 60 || done.count == 61)
        }
    }
}
