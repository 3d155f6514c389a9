import FluxStore
import Testing

/// Friends, profiles and messages: behaviour every `Store` must have.
@Suite struct StoreChatConformanceTests {
    private func users(_ store: any Store, _ count: Int) async throws -> [User] {
        var result: [User] = []
        for _ in 0..<count {
            let (name, email) = uniqueUser()
            result.append(try await store.createUser(NewUser(name: name, email: email, passwordHash: "h")))
        }
        return result
    }

    @Test(arguments: StoreBackend.allCases)
    func friendRequestsAreOnePerPairAndKeepTheNewestNames(_ backend: StoreBackend) async throws {
        let store = try await backend.make()
        let people = try await users(store, 3)
        let (a, b, c) = (people[0], people[1], people[2])
        try await store.saveFriendRequest(from: a.uid, to: b.uid, applyName: "first", backName: "bee")
        try await store.saveFriendRequest(from: a.uid, to: b.uid, applyName: "second", backName: "bee2")
        try await store.saveFriendRequest(from: c.uid, to: b.uid, applyName: "cee", backName: "")
        let requests = try await store.friendRequests(to: b.uid, limit: 10)
        #expect(requests.count == 2)
        let fromA = try #require(requests.first { $0.0.fromUID == a.uid })
        #expect(fromA.0.applyName == "second" && fromA.0.backName == "bee2" && fromA.0.status == 0)
        #expect(fromA.1.uid == a.uid && fromA.1.name == a.name)
        #expect(try await store.friendRequests(to: a.uid, limit: 10).isEmpty)
        try await store.close()
    }

    @Test(arguments: StoreBackend.allCases)
    func receiptsOnlyMoveForwardAndArePerReaderAndPeer(_ backend: StoreBackend) async throws {
        let store = try await backend.make()
        let people = try await users(store, 3)
        let (a, b, c) = (people[0], people[1], people[2])
        #expect(try await store.receipt(reader: b.uid, peer: a.uid) == ReceiptMarks(delivered: 0, read: 0))
        try await store.saveReceipt(reader: b.uid, peer: a.uid, seq: 5, read: false)
        try await store.saveReceipt(reader: b.uid, peer: a.uid, seq: 3, read: true)
        try await store.saveReceipt(reader: b.uid, peer: a.uid, seq: 4, read: false)
        #expect(try await store.receipt(reader: b.uid, peer: a.uid) == ReceiptMarks(delivered: 5, read: 3))
        try await store.saveReceipt(reader: b.uid, peer: a.uid, seq: 7, read: true)
        try await store.saveReceipt(reader: b.uid, peer: a.uid, seq: 6, read: true)
        #expect(try await store.receipt(reader: b.uid, peer: a.uid) == ReceiptMarks(delivered: 5, read: 7))
        // The other direction and other pairs are their own.
        #expect(try await store.receipt(reader: a.uid, peer: b.uid) == ReceiptMarks())
        #expect(try await store.receipt(reader: c.uid, peer: a.uid) == ReceiptMarks())
        try await store.close()
    }

    @Test(arguments: StoreBackend.allCases)
    func acceptingWritesTheFriendshipBothWays(_ backend: StoreBackend) async throws {
        let store = try await backend.make()
        let people = try await users(store, 2)
        let (a, b) = (people[0], people[1])
        #expect(try await !store.acceptFriendRequest(accepter: b.uid, applicant: a.uid, back: "x"))
        #expect(try await !store.areFriends(a.uid, b.uid))
        try await store.saveFriendRequest(from: a.uid, to: b.uid, applyName: "a", backName: "my b")
        #expect(try await store.acceptFriendRequest(accepter: b.uid, applicant: a.uid, back: "my a"))
        let aHasB = try await store.areFriends(a.uid, b.uid)
        let bHasA = try await store.areFriends(b.uid, a.uid)
        #expect(aHasB && bHasA)
        #expect(try await store.friends(of: a.uid).map { [$0.user.uid: $0.back] } == [[b.uid: "my b"]])
        #expect(try await store.friends(of: b.uid).map { [$0.user.uid: $0.back] } == [[a.uid: "my a"]])
        #expect(try await store.friendRequests(to: b.uid, limit: 10).first?.0.status == 1)
        // Asking again after acceptance keeps it accepted and does not duplicate the friendship.
        try await store.saveFriendRequest(from: a.uid, to: b.uid, applyName: "again", backName: "my b")
        #expect(try await store.friendRequests(to: b.uid, limit: 10).first?.0.status == 1)
        #expect(try await store.acceptFriendRequest(accepter: b.uid, applicant: a.uid, back: "my a"))
        #expect(try await store.friends(of: a.uid).count == 1)
        try await store.close()
    }

    @Test(arguments: StoreBackend.allCases)
    func operatorsListDisableAndBefriend(_ backend: StoreBackend) async throws {
        let store = try await backend.make()
        let people = try await users(store, 3)
        let listed = try await store.users(after: 0, limit: 2)
        #expect(listed.map(\.uid) == Array(people.map(\.uid).prefix(2)))
        #expect(try await store.users(after: listed[1].uid, limit: 10).map(\.uid) == [people[2].uid])
        #expect(try await store.setDisabled(uid: people[0].uid, true))
        #expect(try await store.user(uid: people[0].uid)?.disabled == true)
        #expect(try await store.setDisabled(uid: people[0].uid, false))
        #expect(try await store.user(uid: people[0].uid)?.disabled == false)
        #expect(try await !store.setDisabled(uid: people[2].uid + 1_000_000, true))
        try await store.addFriendship(people[1].uid, people[2].uid, backOfB: "c", backOfA: "b")
        try await store.addFriendship(people[1].uid, people[2].uid, backOfB: "cee", backOfA: "bee")
        #expect(try await store.friends(of: people[1].uid).map(\.back) == ["cee"])
        #expect(try await store.friends(of: people[2].uid).map(\.back) == ["bee"])
        try await store.close()
    }

    @Test(arguments: StoreBackend.allCases)
    func profileChangesOnlyTheGivenFields(_ backend: StoreBackend) async throws {
        let store = try await backend.make()
        let user = try await users(store, 1)[0]
        let changed = try #require(try await store.updateProfile(uid: user.uid, ProfileChange(nick: "Nick", sex: 2)))
        #expect(changed.nick == "Nick" && changed.sex == 2 && changed.desc == user.desc && changed.icon == user.icon)
        #expect(try await store.user(uid: user.uid) == changed)
        #expect(try await store.updateProfile(uid: user.uid + 1_000_000, ProfileChange(nick: "x")) == nil)
        try await store.close()
    }

    @Test(arguments: StoreBackend.allCases)
    func sequenceNumbersAreGapFreePerConversation(_ backend: StoreBackend) async throws {
        let store = try await backend.make()
        let people = try await users(store, 3)
        let (a, b, c) = (people[0], people[1], people[2])
        let first = try await store.appendMessages([
            NewMessage(fromUID: a.uid, toUID: b.uid, clientMsgID: "1", content: "one"),
            NewMessage(fromUID: b.uid, toUID: a.uid, clientMsgID: "1", content: "two"),
            NewMessage(fromUID: a.uid, toUID: c.uid, clientMsgID: "2", content: "other conversation"),
        ])
        #expect(first.map(\.seq) == [1, 2, 1])
        #expect(first[0].conversation == first[1].conversation && first[0].conversation != first[2].conversation)
        #expect(first.allSatisfy { !$0.isDuplicate && $0.createdAt > 0 })
        #expect(first[0].id < first[1].id && first[1].id < first[2].id)
        let next = try await store.appendMessages([NewMessage(fromUID: a.uid, toUID: b.uid, clientMsgID: "3", content: "three")])
        #expect(next.first?.seq == 3)
        try await store.close()
    }

    @Test(arguments: StoreBackend.allCases)
    func concurrentWritersGetUniqueGapFreeSequences(_ backend: StoreBackend) async throws {
        let store = try await backend.make()
        let people = try await users(store, 2)
        let (a, b) = (people[0], people[1])
        let seqs = try await withThrowingTaskGroup(of: [Int64].self) { group in
            for writer in 0..<8 {
                group.addTask {
                    var seqs: [Int64] = []
                    for index in 0..<10 {
                        let from = writer % 2 == 0 ? a.uid : b.uid
                        let stored = try await store.appendMessages([
                            NewMessage(fromUID: from, toUID: from == a.uid ? b.uid : a.uid, clientMsgID: "w\(writer)-\(index)", content: "x")
                        ])
                        seqs += stored.map(\.seq)
                    }
                    return seqs
                }
            }
            return try await group.reduce(into: [Int64]()) { $0 += $1 }
        }
        #expect(seqs.sorted() == Array(1...80))
        try await store.close()
    }

    @Test(arguments: StoreBackend.allCases)
    func aResentMsgidIsNotStoredTwice(_ backend: StoreBackend) async throws {
        let store = try await backend.make()
        let people = try await users(store, 2)
        let (a, b) = (people[0], people[1])
        let original = try await store.appendMessages([NewMessage(fromUID: a.uid, toUID: b.uid, clientMsgID: "m", content: "hi")])[0]
        let resent = try await store.appendMessages([
            NewMessage(fromUID: a.uid, toUID: b.uid, clientMsgID: "m", content: "hi"),
            NewMessage(fromUID: b.uid, toUID: a.uid, clientMsgID: "m", content: "same msgid, other sender"),
        ])
        #expect(resent[0].isDuplicate && resent[0].id == original.id && resent[0].seq == original.seq)
        #expect(!resent[1].isDuplicate && resent[1].seq == 2)
        // The same msgid to another recipient is another message.
        let c = try await users(store, 1)[0]
        let other = try await store.appendMessages([NewMessage(fromUID: a.uid, toUID: c.uid, clientMsgID: "m", content: "to c")])[0]
        #expect(!other.isDuplicate && other.content == "to c" && other.seq == 1)
        #expect(try await store.history(uid: a.uid, peer: b.uid, page: .latest, limit: 10).count == 2)
        try await store.close()
    }

    @Test(arguments: StoreBackend.allCases)
    func aBatchMixingConversationsResendsAndARepeatedMsgidKeepsEveryPromise(_ backend: StoreBackend) async throws {
        let store = try await backend.make()
        let people = try await users(store, 3)
        let (a, b, c) = (people[0], people[1], people[2])
        let before = try await store.appendMessages([NewMessage(fromUID: a.uid, toUID: b.uid, clientMsgID: "old", content: "old")])[0]
        let batch = try await store.appendMessages([
            NewMessage(fromUID: a.uid, toUID: b.uid, clientMsgID: "x1", content: "one"),
            NewMessage(fromUID: c.uid, toUID: a.uid, clientMsgID: "y1", content: "to a"),
            NewMessage(fromUID: a.uid, toUID: b.uid, clientMsgID: "old", content: "old"),
            NewMessage(fromUID: b.uid, toUID: a.uid, clientMsgID: "x2", content: "two"),
            NewMessage(fromUID: a.uid, toUID: b.uid, clientMsgID: "x1", content: "one"),
            NewMessage(fromUID: c.uid, toUID: a.uid, clientMsgID: "y2", content: "to a again"),
        ])
        #expect(batch.map(\.isDuplicate) == [false, false, true, false, true, false])
        // Sequence numbers per conversation continue without gaps, in the batch's order.
        #expect(batch.map(\.seq) == [2, 1, 1, 3, 2, 2])
        #expect(batch[2].id == before.id && batch[4].id == batch[0].id)
        let ids = [batch[0], batch[1], batch[3], batch[5]].map(\.id)
        #expect(Set(ids).count == 4 && !ids.contains(before.id))
        let ab = try await store.history(uid: a.uid, peer: b.uid, page: .latest, limit: 10)
        #expect(ab.map(\.clientMsgID) == ["old", "x1", "x2"] && ab.map(\.seq) == [1, 2, 3])
        #expect(ab.map(\.id) == [before.id, batch[0].id, batch[3].id])
        let ca = try await store.history(uid: c.uid, peer: a.uid, page: .latest, limit: 10)
        #expect(ca.map(\.content) == ["to a", "to a again"] && ca.map(\.id) == [batch[1].id, batch[5].id])
        try await store.close()
    }

    @Test(arguments: StoreBackend.allCases)
    func undeliveredMessagesAreThoseNotMarkedDelivered(_ backend: StoreBackend) async throws {
        let store = try await backend.make()
        let people = try await users(store, 3)
        let (a, b, c) = (people[0], people[1], people[2])
        let stored = try await store.appendMessages((0..<5).map {
            NewMessage(fromUID: $0 % 2 == 0 ? a.uid : c.uid, toUID: b.uid, clientMsgID: "u\($0)", content: "m\($0)")
        })
        #expect(try await store.undeliveredMessages(to: b.uid, after: 0, limit: 100).map(\.content) == ["m0", "m1", "m2", "m3", "m4"])
        #expect(try await store.undeliveredMessages(to: b.uid, after: 0, limit: 2).map(\.content) == ["m0", "m1"])
        #expect(try await store.undeliveredMessages(to: b.uid, after: stored[1].id, limit: 2).map(\.content) == ["m2", "m3"])
        try await store.markDelivered(messageIDs: [stored[0].id, stored[1].id, stored[2].id])
        #expect(try await store.undeliveredMessages(to: b.uid, after: 0, limit: 100).map(\.content) == ["m3", "m4"])
        // Per message: delivering a later one leaves an earlier gap undelivered.
        try await store.markDelivered(messageIDs: [stored[4].id])
        #expect(try await store.undeliveredMessages(to: b.uid, after: 0, limit: 100).map(\.content) == ["m3"])
        try await store.markDelivered(messageIDs: [])
        #expect(try await store.undeliveredMessages(to: a.uid, after: 0, limit: 100).isEmpty)
        try await store.close()
    }

    /// A chat node's delivery marks ride on its text commits: exactly the given ids, gaps kept, with or
    /// without texts, and through the blocking path where the store has one (SQLite).
    @Test(arguments: StoreBackend.allCases)
    func textCommitsCarryDeliveryMarks(_ backend: StoreBackend) async throws {
        let store = try await backend.make()
        let people = try await users(store, 2)
        let (a, b) = (people[0], people[1])
        let first = try await store.appendMessages((0..<5).map { NewMessage(fromUID: a.uid, toUID: b.uid, clientMsgID: "d\($0)", content: "m\($0)") })
        let next = try await store.appendMessages(
            [NewMessage(fromUID: a.uid, toUID: b.uid, clientMsgID: "d5", content: "m5")],
            markingDelivered: [first[0].id, first[2].id, first[3].id])
        #expect(next.map(\.seq) == [6])
        #expect(try await store.undeliveredMessages(to: b.uid, after: 0, limit: 100).map(\.content) == ["m1", "m4", "m5"])
        #expect(try await store.appendMessages([], markingDelivered: [first[4].id]).isEmpty)
        #expect(try await store.undeliveredMessages(to: b.uid, after: 0, limit: 100).map(\.content) == ["m1", "m5"])
        let wrapped = InstrumentedStore(store)
        switch backend {
        case .sqlite:
            let blocking = try #require(wrapped.blockingTextCommits, "SQLite commits texts on the caller's thread")
            let stored = try blocking.appendMessagesBlocking(
                [NewMessage(fromUID: b.uid, toUID: a.uid, clientMsgID: "r", content: "reply")], markingDelivered: [first[1].id])
            #expect(stored.map(\.content) == ["reply"])
            #expect(try await store.undeliveredMessages(to: b.uid, after: 0, limit: 100).map(\.content) == ["m5"])
            #expect(try await store.undeliveredMessages(to: a.uid, after: 0, limit: 100).map(\.content) == ["reply"])
        case .mariadb:
            #expect(wrapped.blockingTextCommits == nil, "a network store's texts are committed through its own threads")
        }
        try await store.close()
    }

    @Test(arguments: StoreBackend.allCases)
    func historyPages(_ backend: StoreBackend) async throws {
        let store = try await backend.make()
        let people = try await users(store, 2)
        let (a, b) = (people[0], people[1])
        _ = try await store.appendMessages((1...10).map {
            NewMessage(fromUID: $0 % 2 == 0 ? a.uid : b.uid, toUID: $0 % 2 == 0 ? b.uid : a.uid, clientMsgID: "h\($0)", content: "\($0)")
        })
        #expect(try await store.history(uid: a.uid, peer: b.uid, page: .latest, limit: 3).map(\.seq) == [8, 9, 10])
        #expect(try await store.history(uid: b.uid, peer: a.uid, page: .before(8), limit: 3).map(\.seq) == [5, 6, 7])
        #expect(try await store.history(uid: a.uid, peer: b.uid, page: .after(8), limit: 5).map(\.seq) == [9, 10])
        #expect(try await store.history(uid: a.uid, peer: b.uid, page: .before(1), limit: 5).isEmpty)
        #expect(try await store.messageCount() >= 10)
        #expect(try await store.recentMessages(of: a.uid, limit: 3).map(\.seq) == [8, 9, 10])
        #expect(try await store.recentMessages(of: b.uid + 1_000_000, limit: 3).isEmpty)
        try await store.close()
    }

    @Test(arguments: StoreBackend.allCases)
    func deletingAUserRemovesItsFriendshipsRequestsAndMessagesOnly(_ backend: StoreBackend) async throws {
        let store = try await backend.make()
        let people = try await users(store, 3)
        let (a, b, c) = (people[0], people[1], people[2])
        try await store.addFriendship(a.uid, b.uid, backOfB: "b", backOfA: "a")
        try await store.addFriendship(b.uid, c.uid, backOfB: "c", backOfA: "b")
        try await store.saveFriendRequest(from: a.uid, to: c.uid, applyName: "a", backName: "c")
        _ = try await store.appendMessages([
            NewMessage(fromUID: a.uid, toUID: b.uid, clientMsgID: "1", content: "a to b"),
            NewMessage(fromUID: b.uid, toUID: c.uid, clientMsgID: "2", content: "b to c"),
            NewMessage(fromUID: b.uid, toUID: a.uid, clientMsgID: "3", content: "b to a"),
        ])
        let messagesBefore = try await store.messageCount()
        #expect(try await store.deleteUser(uid: a.uid))
        #expect(try await store.user(uid: a.uid) == nil)
        #expect(try await store.friends(of: b.uid).map(\.user.uid) == [c.uid])
        #expect(try await store.friendRequests(to: c.uid, limit: 10).isEmpty)
        #expect(try await store.messageCount() == messagesBefore - 2, "the texts from a and to a")
        #expect(try await store.undeliveredMessages(to: c.uid, after: 0, limit: 10).map(\.content) == ["b to c"])
        #expect(try await !store.deleteUser(uid: a.uid))
        try await store.close()
    }
}
