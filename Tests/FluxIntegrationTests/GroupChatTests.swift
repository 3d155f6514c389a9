import FluxClient
import FluxProtocol
import FluxStore
import FluxTestSupport
import Foundation
import Testing

/// Group chat end to end over real sockets against a real `flux --role all`.
@Suite struct GroupChatTests {
    @Test func threeUsersCreateAGroupAndEveryTextReachesEveryOtherMemberOnce() async throws {
        try await TestFlux.run { (flux: TestFlux) async throws in
            let (ann, ben, cat) = try await Self.threeFriends(flux, "g1")
            let created = try await ann.client.request(
                .groupCreate, GroupCreateRequest(name: " Weekend  ", members: [ben.uid, cat.uid, ben.uid]), as: GroupDetailResponse.self)
            #expect(created.error == .success && created.name == "Weekend" && created.owner == ann.uid)
            #expect(created.members.map(\.uid).sorted() == [ann.uid, ben.uid, cat.uid].sorted())
            #expect(created.members.first { $0.uid == ann.uid }?.role == "owner")
            #expect(created.members.filter { $0.role == "member" }.count == 2)
            let gid = created.gid
            for member in [ben, cat] {
                let notice = try await member.client.next(.notifyGroup, as: GroupEventNotice.self)
                #expect(notice.gid == gid && notice.kind == .created && notice.by == ann.uid && notice.name == "Weekend")
            }

            let first = try await ann.groupText(gid, "hello all", msgid: "a-1")
            #expect(first.error == .success && first.textArray.first?.seq == 1 && first.textArray.first?.time != nil)
            for member in [ben, cat] {
                let got = try await member.client.next(.notifyGroupText, as: GroupTextMessage.self)
                #expect(got.gid == gid && got.fromuid == ann.uid && got.textArray.map(\.content) == ["hello all"])
                #expect(got.textArray.first?.seq == 1 && got.textArray.first?.msgid == "a-1")
            }
            // A resend stores nothing new and notifies no one again.
            let again = try await ann.groupText(gid, "hello all", msgid: "a-1")
            #expect(again.textArray.first?.seq == 1)
            let second = try await ben.groupText(gid, "hi from ben", msgid: "b-1")
            #expect(second.textArray.first?.seq == 2)
            for member in [ann, cat] {
                let got = try await member.client.next(.notifyGroupText, as: GroupTextMessage.self)
                #expect(got.fromuid == ben.uid && got.textArray.first?.seq == 2, "the resend of seq 1 was not delivered again")
            }
            // Several texts in one request keep their order.
            let batch = try await cat.client.request(.groupText, GroupTextMessage(gid: gid, textArray: [
                TextItem(msgid: "c-1", content: "one"), TextItem(msgid: "c-2", content: "two"),
            ]), as: GroupTextMessage.self)
            #expect(batch.textArray.compactMap(\.seq) == [3, 4])
            for member in [ann, ben] {
                let seqs = [try await member.client.next(.notifyGroupText, as: GroupTextMessage.self),
                            try await member.client.next(.notifyGroupText, as: GroupTextMessage.self)].compactMap(\.textArray.first?.seq)
                #expect(seqs == [3, 4])
            }

            let history = try await cat.client.request(.groupHistory, GroupHistoryRequest(gid: gid), as: GroupHistoryResponse.self)
            #expect(history.messages.map(\.seq) == [1, 2, 3, 4])
            #expect(history.messages.map(\.fromuid) == [ann.uid, ben.uid, cat.uid, cat.uid])
            let older = try await cat.client.request(.groupHistory, GroupHistoryRequest(gid: gid, before: 3, limit: 1), as: GroupHistoryResponse.self)
            #expect(older.messages.map(\.content) == ["hi from ben"])

            let listed = try await ben.client.request(.groupList, [String: Int](), as: GroupListResponse.self)
            let entry = try #require(listed.groups.first { $0.gid == gid })
            #expect(entry.name == "Weekend" && entry.members == 3 && entry.lastSeq == 4 && entry.unread == 4 && entry.owner == ann.uid)
            let read = try await ben.client.request(.groupRead, GroupReadMark(gid: gid, seq: 3), as: GroupReadMark.self)
            #expect(read.error == .success && read.seq == 3)
            let relisted = try await ben.client.request(.groupList, [String: Int](), as: GroupListResponse.self)
            #expect(relisted.groups.first { $0.gid == gid }?.unread == 1)

            let info = try await ben.client.request(.groupInfo, GroupReference(gid: gid), as: GroupDetailResponse.self)
            #expect(info.members.count == 3 && info.members.allSatisfy { $0.online == true })

            // One row per text in the store, not one per member.
            let store = try SQLiteStore(path: flux.databasePath, migrate: false)
            #expect(try await store.groupMessageCount() == 4)
            try await store.close()
        }
    }

    @Test func anOfflineMemberCatchesUpAtLoginInOrderOnce() async throws {
        try await TestFlux.run { (flux: TestFlux) async throws in
            let (ann, ben, cat) = try await Self.threeFriends(flux, "g2")
            let gid = try await Self.group(ann, [ben, cat])
            await cat.client.close()
            // Wait until the node has seen cat go (presence), so nothing is written to the closed socket.
            #expect(try await eventually {
                try await ann.client.request(.groupInfo, GroupReference(gid: gid), as: GroupDetailResponse.self)
                    .members.first { $0.uid == cat.uid }?.online == false
            })
            for index in 1...5 { _ = try await ann.groupText(gid, "missed \(index)", msgid: "m-\(index)") }
            for _ in 1...5 { _ = try await ben.client.next(.notifyGroupText) }

            let back = try await cat.reconnect(flux, waitForBacklog: false)
            var seqs: [Int64] = []
            while true {
                let frame = try await back.client.next()
                if frame.id == .notifyBacklogDone {
                    #expect(try frame.decode(BacklogDoneNotice.self).count == 5)
                    break
                }
                if frame.id == .notifyGroupText { seqs += try frame.decode(GroupTextMessage.self).textArray.compactMap(\.seq) }
            }
            #expect(seqs == [1, 2, 3, 4, 5])
            // Once the delivered cursor is stored, the next login has nothing to catch up.
            let store = try SQLiteStore(path: flux.databasePath, migrate: false)
            #expect(try await eventually { try await store.groupDetail(gid: gid)?.member(cat.uid)?.deliveredSeq == 5 })
            try await store.close()
            let third = try await back.reconnect(flux, waitForBacklog: false)
            let first = try await third.client.next()
            #expect(first.id == .notifyBacklogDone)
            let done = try first.decode(BacklogDoneNotice.self)
            #expect(done.count == 0)
        }
    }

    @Test func theLoginBacklogOfAGroupIsCappedAtItsNewestTexts() async throws {
        try await TestFlux.run(environment: ["FLUX_GROUP_BACKLOG_LIMIT": "3"]) { (flux: TestFlux) async throws in
            let (ann, ben, cat) = try await Self.threeFriends(flux, "g8")
            let gid = try await Self.group(ann, [ben, cat])
            await cat.client.close()
            #expect(try await eventually {
                try await ann.client.request(.groupInfo, GroupReference(gid: gid), as: GroupDetailResponse.self)
                    .members.first { $0.uid == cat.uid }?.online == false
            })
            for index in 1...5 { _ = try await ann.groupText(gid, "t\(index)", msgid: "t-\(index)") }
            let back = try await cat.reconnect(flux, waitForBacklog: false)
            var seqs: [Int64] = []
            var frame = try await back.client.next()
            while frame.id != .notifyBacklogDone {
                if frame.id == .notifyGroupText { seqs += try frame.decode(GroupTextMessage.self).textArray.compactMap(\.seq) }
                frame = try await back.client.next()
            }
            #expect(seqs == [3, 4, 5], "the newest three; older ones by history")
            let older = try await back.client.request(.groupHistory, GroupHistoryRequest(gid: gid, before: 3), as: GroupHistoryResponse.self)
            #expect(older.messages.map(\.seq) == [1, 2])
        }
    }

    @Test func aRemovedMemberGetsNothingMoreAndCannotReadHistory() async throws {
        try await TestFlux.run { (flux: TestFlux) async throws in
            let (ann, ben, cat) = try await Self.threeFriends(flux, "g3")
            let gid = try await Self.group(ann, [ben, cat])
            _ = try await ann.groupText(gid, "before", msgid: "x-1")
            _ = try await cat.client.next(.notifyGroupText)
            _ = try await ben.client.next(.notifyGroupText)

            let removed = try await ann.client.request(.groupRemove, GroupMemberReference(gid: gid, uid: cat.uid), as: GroupMemberReference.self)
            #expect(removed.error == .success && removed.uid == cat.uid)
            let told = try await cat.client.next(.notifyGroup, as: GroupEventNotice.self)
            #expect(told.kind == .removed && told.uid == cat.uid && told.by == ann.uid)
            #expect(try await ben.client.next(.notifyGroup, as: GroupEventNotice.self).kind == .removed)

            _ = try await ann.groupText(gid, "after", msgid: "x-2")
            #expect(try await ben.client.next(.notifyGroupText, as: GroupTextMessage.self).textArray.first?.content == "after")
            // A private text as a marker: cat's next text frame is it, not the group text.
            try await ann.text(cat, "marker", msgid: "p-1")
            let next = try await cat.client.next()
            #expect(next.id == .notifyTextChat, "a removed member got \(next.id)")
            #expect(try await cat.client.request(.groupHistory, GroupHistoryRequest(gid: gid), as: ErrorReply.self).error == .notGroupMember)
            #expect(try await cat.client.request(.groupText, GroupTextMessage(gid: gid, textArray: [TextItem(msgid: "c", content: "c")]),
                as: ErrorReply.self).error == .notGroupMember)
            // Nor at the next login (the private marker may come again: it was written under half a second ago).
            let back = try await cat.reconnect(flux, waitForBacklog: false)
            var frame = try await back.client.next()
            while frame.id != .notifyBacklogDone {
                #expect(frame.id == .notifyTextChat, "a removed member got \(frame.id) at login")
                frame = try await back.client.next()
            }
        }
    }

    @Test func aNonMemberIsRefusedOnEveryGroupRequest() async throws {
        try await TestFlux.run { (flux: TestFlux) async throws in
            let (ann, ben, cat) = try await Self.threeFriends(flux, "g4")
            let gid = try await Self.group(ann, [ben])
            try await makeFriends(cat, ben)
            let refusals: [(MessageID, any Encodable & Sendable)] = [
                (.groupAdd, GroupMembersRequest(gid: gid, members: [ben.uid])),
                (.groupLeave, GroupReference(gid: gid)),
                (.groupRemove, GroupMemberReference(gid: gid, uid: ben.uid)),
                (.groupInfo, GroupReference(gid: gid)),
                (.groupText, GroupTextMessage(gid: gid, textArray: [TextItem(msgid: "n", content: "n")])),
                (.groupHistory, GroupHistoryRequest(gid: gid)),
                (.groupRead, GroupReadMark(gid: gid, seq: 1)),
                (.groupRename, GroupRename(gid: gid, name: "mine")),
                (.groupSetRole, GroupRoleChange(gid: gid, uid: ben.uid, role: "admin")),
            ]
            for (id, body) in refusals {
                let reply = try await cat.client.request(id, body, as: ErrorReply.self)
                #expect(reply.error == .notGroupMember, "\(id) by a non-member answered \(reply.error)")
            }
            #expect(try await cat.client.request(.groupInfo, GroupReference(gid: gid + 1000), as: ErrorReply.self).error == .noSuchGroup)
            // A plain member may not manage; members must be friends of whoever adds them.
            #expect(try await ben.client.request(.groupRename, GroupRename(gid: gid, name: "x"), as: ErrorReply.self).error == .notAllowed)
            #expect(try await ben.client.request(.groupRemove, GroupMemberReference(gid: gid, uid: ann.uid), as: ErrorReply.self).error == .notAllowed)
            let dan = try await ChatUser.signUp(flux, "g4dan")
            #expect(try await ann.client.request(.groupAdd, GroupMembersRequest(gid: gid, members: [dan.uid]), as: ErrorReply.self).error == .notFriends)
            #expect(try await ann.client.request(.groupCreate, GroupCreateRequest(name: "", members: []), as: ErrorReply.self).error == .badJSON)
            #expect(try await ann.client.request(.groupSetRole, GroupRoleChange(gid: gid, uid: ben.uid, role: "owner"), as: ErrorReply.self).error == .badJSON)
            // Nothing changed.
            let info = try await ann.client.request(.groupInfo, GroupReference(gid: gid), as: GroupDetailResponse.self)
            #expect(info.name == "g4-group" && info.members.map(\.uid).sorted() == [ann.uid, ben.uid].sorted())
        }
    }

    @Test func ownershipPassesOnWhenTheOwnerLeavesAndTheLastOneOutDissolves() async throws {
        try await TestFlux.run { (flux: TestFlux) async throws in
            let (ann, ben, cat) = try await Self.threeFriends(flux, "g5")
            let gid = try await Self.group(ann, [ben, cat])
            let promoted = try await ann.client.request(.groupSetRole, GroupRoleChange(gid: gid, uid: cat.uid, role: "admin"), as: GroupRoleChange.self)
            #expect(promoted.error == .success && promoted.role == "admin")
            #expect(try await cat.client.next(.notifyGroup, as: GroupEventNotice.self).kind == .role)
            #expect(try await ben.client.next(.notifyGroup, as: GroupEventNotice.self).kind == .role)

            #expect(try await ann.client.request(.groupLeave, GroupReference(gid: gid), as: GroupReference.self).error == .success)
            let left = try await ben.client.next(.notifyGroup, as: GroupEventNotice.self)
            #expect(left.kind == .left && left.uid == ann.uid)
            let owner = try await ben.client.next(.notifyGroup, as: GroupEventNotice.self)
            #expect(owner.kind == .role && owner.uid == cat.uid && owner.role == "owner", "the admin, not the older plain member, owns it now")
            let info = try await ben.client.request(.groupInfo, GroupReference(gid: gid), as: GroupDetailResponse.self)
            #expect(info.owner == cat.uid && info.members.count == 2)
            #expect(try await ann.client.request(.groupInfo, GroupReference(gid: gid), as: ErrorReply.self).error == .notGroupMember)

            _ = try await cat.client.request(.groupLeave, GroupReference(gid: gid), as: GroupReference.self)
            _ = try await ben.client.next(.notifyGroup)
            let heir = try await ben.client.next(.notifyGroup, as: GroupEventNotice.self)
            #expect(heir.kind == .role && heir.uid == ben.uid && heir.role == "owner")
            _ = try await ben.client.request(.groupLeave, GroupReference(gid: gid), as: GroupReference.self)
            #expect(try await ben.client.request(.groupInfo, GroupReference(gid: gid), as: ErrorReply.self).error == .noSuchGroup)
        }
    }

    @Test func theFiveHundredAndFirstMemberIsRefused() async throws {
        try await TestFlux.run { (flux: TestFlux) async throws in
            let ann = try await ChatUser.signUp(flux, "g6ann")
            // 500 friends of ann written straight into the node's database (the protocol path is the same
            // for each; making them one by one over sockets would only be slower).
            let store = try SQLiteStore(path: flux.databasePath, migrate: false)
            var friends: [Int64] = []
            for index in 0..<500 {
                let user = try await store.createUser(NewUser(name: "g6f\(index)", email: "g6f\(index)@example.com", passwordHash: "x"))
                try await store.addFriendship(ann.uid, user.uid, backOfB: "f\(index)", backOfA: "ann")
                friends.append(user.uid)
            }
            try await store.close()
            let tooMany = try await ann.client.request(.groupCreate, GroupCreateRequest(name: "big", members: friends), as: ErrorReply.self)
            #expect(tooMany.error == .groupFull)
            let created = try await ann.client.request(
                .groupCreate, GroupCreateRequest(name: "big", members: Array(friends.prefix(499))), as: GroupDetailResponse.self)
            #expect(created.error == .success && created.members.count == 500)
            let refused = try await ann.client.request(.groupAdd, GroupMembersRequest(gid: created.gid, members: [friends[499]]), as: ErrorReply.self)
            #expect(refused.error == .groupFull)
            let info = try await ann.client.request(.groupInfo, GroupReference(gid: created.gid), as: GroupDetailResponse.self)
            #expect(info.members.count == 500)
        }
    }

    @Test func operatorsListShowAndDeleteGroups() async throws {
        try await TestFlux.run { (flux: TestFlux) async throws in
            let (ann, ben, cat) = try await Self.threeFriends(flux, "g7")
            let gid = try await Self.group(ann, [ben, cat])
            _ = try await ann.groupText(gid, "for the record", msgid: "r-1")
            let environment = ["FLUX_DATA_DIR": flux.dataDirectory]
            func admin(_ arguments: String...) async throws -> (status: Int32, output: String, errors: String) {
                try await FluxProcess.runToEnd(["admin", "groups"] + arguments, environment: environment)
            }
            let listed = try await admin("list", "--json")
            #expect(listed.status == 0, "\(listed.errors)")
            let groups = try #require(try JSONSerialization.jsonObject(with: Data(listed.output.utf8)) as? [[String: Any]])
            #expect(groups.count == 1 && groups.first?["gid"] as? Int == Int(gid) && groups.first?["members"] as? Int == 3)
            #expect(groups.first?["last_seq"] as? Int == 1 && groups.first?["owner"] as? Int == Int(ann.uid))
            #expect(try await admin("show", "\(gid)").output.contains("g7-group"))
            let members = try await admin("members", "\(gid)", "--json")
            let rows = try #require(try JSONSerialization.jsonObject(with: Data(members.output.utf8)) as? [[String: Any]])
            #expect(Set(rows.compactMap { $0["name"] as? String }) == ["g7ann", "g7ben", "g7cat"])
            #expect(rows.first { $0["name"] as? String == "g7ann" }?["role"] as? String == "owner")
            #expect(try await admin("show", "999999").status == 1)
            let deleted = try await admin("delete", "\(gid)")
            #expect(deleted.status == 0 && deleted.output.contains("3 members"))
            #expect(try await admin("delete", "\(gid)").status == 1)
            #expect(try await ann.client.request(.groupInfo, GroupReference(gid: gid), as: ErrorReply.self).error == .noSuchGroup)
        }
    }

    // MARK: - Helpers

    /// Three users; the first is a friend of the other two.
    static func threeFriends(_ flux: TestFlux, _ prefix: String) async throws -> (ChatUser, ChatUser, ChatUser) {
        let ann = try await ChatUser.signUp(flux, "\(prefix)ann")
        let ben = try await ChatUser.signUp(flux, "\(prefix)ben")
        let cat = try await ChatUser.signUp(flux, "\(prefix)cat")
        try await makeFriends(ann, ben)
        try await makeFriends(ann, cat)
        _ = await ann.client.drain()
        _ = await ben.client.drain()
        _ = await cat.client.drain()
        return (ann, ben, cat)
    }

    /// `owner` creates "<prefix>-group" with `members`, whose 1131s are consumed.
    static func group(_ owner: ChatUser, _ members: [ChatUser]) async throws -> Int64 {
        let prefix = String(owner.name.dropLast(3))
        let created = try await owner.client.request(
            .groupCreate, GroupCreateRequest(name: "\(prefix)-group", members: members.map(\.uid)), as: GroupDetailResponse.self)
        #expect(created.error == .success)
        for member in members { _ = try await member.client.next(.notifyGroup) }
        return created.gid
    }
}

extension ChatUser {
    /// Sends one group text and returns the 1134 (an error reply carries only `error`).
    @discardableResult
    func groupText(_ gid: Int64, _ content: String, msgid: String = UUID().uuidString) async throws -> GroupTextMessage {
        try client.send(.groupText, GroupTextMessage(gid: gid, textArray: [TextItem(msgid: msgid, content: content)]))
        let frame = try await client.next(.groupText.response)
        let error = try frame.decode(ErrorReply.self).error
        guard error == .success else { return GroupTextMessage(error: error, gid: gid, textArray: []) }
        return try frame.decode(GroupTextMessage.self)
    }
}
