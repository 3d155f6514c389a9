import FluxStore
import Foundation
import Testing

/// Groups: members, roles, limits, texts and cursors — behaviour every `Store` must have.
@Suite struct StoreGroupConformanceTests {
    private func users(_ store: any Store, _ count: Int) async throws -> [User] {
        var result: [User] = []
        for _ in 0..<count {
            let (name, email) = uniqueUser()
            result.append(try await store.createUser(NewUser(name: name, email: email, passwordHash: "h")))
        }
        return result
    }

    /// A group `owner` created with `members` under the default limits.
    private func group(
        _ store: any Store, owner: User, _ members: [User], name: String = "g",
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> GroupDetail {
        let outcome = try await store.createGroup(name: name, owner: owner.uid, members: members.map(\.uid), limits: GroupLimits())
        return try #require(doneValue(outcome), "createGroup: \(outcome)", sourceLocation: sourceLocation)
    }

    /// Stores one text per sender and msgid in `gid`, one batch; returns the stored copies.
    private func send(
        _ store: any Store, _ gid: Int64, _ texts: [(User, String)], sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> [StoredGroupMessage] {
        let outcomes = try await store.appendGroupMessages(texts.map {
            NewGroupMessage(gid: gid, fromUID: $0.0.uid, clientMsgID: $0.1, content: "text \($0.1)")
        })
        return try outcomes.map { try #require(storedText($0), "appendGroupMessages: \($0)", sourceLocation: sourceLocation) }
    }

    private func detail(_ store: any Store, _ gid: Int64, sourceLocation: SourceLocation = #_sourceLocation) async throws -> GroupDetail {
        try #require(try await store.groupDetail(gid: gid), "no group \(gid)", sourceLocation: sourceLocation)
    }

    /// Milliseconds since 1970, an hour from now: every text stored by a test was stored before it.
    private var farFuture: Int64 { Int64(Date().timeIntervalSince1970 * 1000) + 3_600_000 }

    // MARK: Creating and limits

    @Test(arguments: StoreBackend.allCases)
    func creatingMakesTheOwnerAndPlainMembersAndSkipsUnknownUids(_ backend: StoreBackend) async throws {
        let store = try await backend.make()
        let people = try await users(store, 3)
        let (a, b, c) = (people[0], people[1], people[2])
        let unknown = c.uid + 1_000_000
        let outcome = try await store.createGroup(
            name: "Friends", owner: a.uid, members: [b.uid, unknown, c.uid, a.uid], limits: GroupLimits())
        let created = try #require(doneValue(outcome), "\(outcome)")
        #expect(created.info.gid > 0 && created.info.name == "Friends" && created.info.ownerUID == a.uid)
        #expect(created.info.memberCount == 3 && created.info.lastSeq == 0 && created.info.createdAt > 0)
        #expect(Set(created.members.map(\.uid)) == [a.uid, b.uid, c.uid] && created.members.count == 3)
        #expect(created.member(a.uid)?.role == .owner)
        #expect(created.member(b.uid)?.role == .member && created.member(c.uid)?.role == .member)
        #expect(created.member(unknown) == nil)
        #expect(created.members.allSatisfy { $0.deliveredSeq == 0 && $0.readSeq == 0 && $0.joinedAt > 0 })
        // Members carry their profile names.
        #expect(created.member(b.uid)?.name == b.name && created.member(b.uid)?.nick == b.nick)
        // The oldest member first.
        #expect(created.members.map(\.joinedAt) == created.members.map(\.joinedAt).sorted())
        let read = try await detail(store, created.info.gid)
        #expect(read.info == created.info && Set(read.members) == Set(created.members))
        #expect(try await store.groupMemberships(of: b.uid).map(\.info.gid) == [created.info.gid])
        #expect(try await store.groupMemberships(of: unknown).isEmpty)
        // Another group gets another gid.
        let other = try await group(store, owner: b, [c])
        #expect(other.info.gid != created.info.gid && other.info.ownerUID == b.uid && other.info.memberCount == 2)
        try await store.close()
    }

    @Test(arguments: StoreBackend.allCases)
    func creatingIsRefusedOverMaxMembersCountingTheOwner(_ backend: StoreBackend) async throws {
        let store = try await backend.make()
        let people = try await users(store, 4)
        let (a, b, c, d) = (people[0], people[1], people[2], people[3])
        let limits = GroupLimits(maxMembers: 3, maxGroupsPerUser: 10)
        let tooMany = try await store.createGroup(name: "g", owner: a.uid, members: [b.uid, c.uid, d.uid], limits: limits)
        #expect(outcomeKind(tooMany) == .full)
        // Nothing of the refused group remains.
        #expect(try await store.groups(after: 0, limit: 10).isEmpty)
        #expect(try await store.groupMemberships(of: a.uid).isEmpty)
        #expect(try await store.groupMemberships(of: b.uid).isEmpty)
        // Exactly the limit is fine; unknown uids and the owner listed again do not count.
        let fits = try await store.createGroup(
            name: "g", owner: a.uid, members: [a.uid, b.uid, d.uid + 1_000_000, c.uid], limits: limits)
        #expect(try #require(doneValue(fits), "\(fits)").info.memberCount == 3)
        try await store.close()
    }

    @Test(arguments: StoreBackend.allCases)
    func creatingIsRefusedOverMaxGroupsPerUser(_ backend: StoreBackend) async throws {
        let store = try await backend.make()
        let people = try await users(store, 4)
        let (a, b, c, d) = (people[0], people[1], people[2], people[3])
        let limits = GroupLimits(maxMembers: 10, maxGroupsPerUser: 2)
        for _ in 0..<2 {
            let outcome = try await store.createGroup(name: "g", owner: a.uid, members: [b.uid], limits: limits)
            #expect(doneValue(outcome) != nil, "\(outcome)")
        }
        // b, a member, is in 2 groups already.
        let forB = try await store.createGroup(name: "g", owner: c.uid, members: [d.uid, b.uid], limits: limits)
        #expect(outcomeKind(forB) == .tooManyGroups(b.uid))
        // a, the owner, too.
        let forA = try await store.createGroup(name: "g", owner: a.uid, members: [c.uid], limits: limits)
        #expect(outcomeKind(forA) == .tooManyGroups(a.uid))
        #expect(try await store.groups(after: 0, limit: 10).count == 2)
        #expect(try await store.groupMemberships(of: c.uid).isEmpty)
        #expect(try await store.groupMemberships(of: d.uid).isEmpty)
        try await store.close()
    }

    @Test(arguments: StoreBackend.allCases)
    func addingIsRefusedOverTheLimits(_ backend: StoreBackend) async throws {
        let store = try await backend.make()
        let people = try await users(store, 5)
        let (a, b, c, d, e) = (people[0], people[1], people[2], people[3], people[4])
        let limits = GroupLimits(maxMembers: 3, maxGroupsPerUser: 1)
        let gid = try #require(doneValue(try await store.createGroup(name: "g", owner: a.uid, members: [b.uid], limits: limits))).info.gid
        // Two more would make 4 of 3: neither is added.
        let over = try await store.addGroupMembers(gid: gid, by: a.uid, members: [c.uid, d.uid], limits: limits)
        #expect(outcomeKind(over) == .full)
        #expect(try await detail(store, gid).info.memberCount == 2)
        #expect(try await store.groupMemberships(of: c.uid).isEmpty)
        let one = try await store.addGroupMembers(gid: gid, by: a.uid, members: [c.uid], limits: limits)
        #expect(doneValue(one)?.added == [c.uid] && doneValue(one)?.detail.info.memberCount == 3, "\(one)")
        #expect(outcomeKind(try await store.addGroupMembers(gid: gid, by: a.uid, members: [d.uid], limits: limits)) == .full)
        // Members already in do not count against a full group.
        let again = try await store.addGroupMembers(gid: gid, by: a.uid, members: [b.uid], limits: limits)
        #expect(doneValue(again)?.added == [], "\(again)")
        // e is in a group already, which is all maxGroupsPerUser 1 allows.
        let other = try #require(doneValue(try await store.createGroup(name: "h", owner: e.uid, members: [], limits: limits))).info.gid
        let roomy = GroupLimits(maxMembers: 10, maxGroupsPerUser: 1)
        let busy = try await store.addGroupMembers(gid: other, by: e.uid, members: [d.uid, b.uid], limits: roomy)
        #expect(outcomeKind(busy) == .tooManyGroups(b.uid))
        #expect(try await detail(store, other).info.memberCount == 1)
        #expect(try await store.groupMemberships(of: d.uid).isEmpty)
        try await store.close()
    }

    // MARK: Adding

    @Test(arguments: StoreBackend.allCases)
    func ownersAndAdminsAddOthersAreRefused(_ backend: StoreBackend) async throws {
        let store = try await backend.make()
        let people = try await users(store, 7)
        let (a, b, c, d, e, f, g) = (people[0], people[1], people[2], people[3], people[4], people[5], people[6])
        let gid = try await group(store, owner: a, [b, c]).info.gid
        #expect(outcomeKind(try await store.setGroupRole(gid: gid, by: a.uid, uid: b.uid, role: .admin)) == .done)
        let byAdmin = try await store.addGroupMembers(gid: gid, by: b.uid, members: [d.uid], limits: GroupLimits())
        #expect(doneValue(byAdmin)?.added == [d.uid], "\(byAdmin)")
        #expect(doneValue(byAdmin)?.detail.member(d.uid)?.role == .member)
        #expect(outcomeKind(try await store.addGroupMembers(gid: gid, by: c.uid, members: [e.uid], limits: GroupLimits())) == .notAllowed)
        #expect(outcomeKind(try await store.addGroupMembers(gid: gid, by: e.uid, members: [f.uid], limits: GroupLimits())) == .notMember)
        #expect(outcomeKind(try await store.addGroupMembers(gid: gid + 1_000, by: a.uid, members: [e.uid], limits: GroupLimits())) == .noSuchGroup)
        #expect(try await detail(store, gid).info.memberCount == 4)
        // Those already in are skipped (g, listed twice, is in at its second mention); the new ones are
        // listed in request order (not uid order).
        let byOwner = try await store.addGroupMembers(gid: gid, by: a.uid, members: [g.uid, c.uid, a.uid, e.uid, d.uid, g.uid], limits: GroupLimits())
        let addition = try #require(doneValue(byOwner), "\(byOwner)")
        #expect(addition.added == [g.uid, e.uid])
        #expect(addition.detail.info.memberCount == 6 && Set(addition.detail.members.map(\.uid)) == [a.uid, b.uid, c.uid, d.uid, e.uid, g.uid])
        #expect(addition.detail.member(a.uid)?.role == .owner && addition.detail.member(b.uid)?.role == .admin)
        #expect(try await detail(store, gid).info.memberCount == 6)
        try await store.close()
    }

    @Test(arguments: StoreBackend.allCases)
    func aLaterMemberStartsAtTheNewestText(_ backend: StoreBackend) async throws {
        let store = try await backend.make()
        let people = try await users(store, 4)
        let (a, b, c, d) = (people[0], people[1], people[2], people[3])
        let gid = try await group(store, owner: a, [b]).info.gid
        // Only a sends: the protocol does not say whether storing moves the sender's own cursors.
        _ = try await send(store, gid, [(a, "1"), (a, "2"), (a, "3")])
        let added = try #require(doneValue(try await store.addGroupMembers(gid: gid, by: a.uid, members: [c.uid], limits: GroupLimits())))
        #expect(added.detail.info.lastSeq == 3)
        #expect(added.detail.member(c.uid)?.deliveredSeq == 3 && added.detail.member(c.uid)?.readSeq == 3)
        let membership = try #require(try await store.groupMemberships(of: c.uid).first)
        #expect(membership.deliveredSeq == 3 && membership.readSeq == 3 && membership.unread == 0)
        // The members from before keep their cursors.
        #expect(added.detail.member(b.uid)?.deliveredSeq == 0 && added.detail.member(b.uid)?.readSeq == 0)
        _ = try await send(store, gid, [(a, "4")])
        let later = try #require(doneValue(try await store.addGroupMembers(gid: gid, by: a.uid, members: [d.uid], limits: GroupLimits())))
        #expect(later.detail.member(d.uid)?.deliveredSeq == 4 && later.detail.member(d.uid)?.readSeq == 4)
        #expect(try await detail(store, gid).member(c.uid)?.deliveredSeq == 3)
        try await store.close()
    }

    // MARK: Leaving and removing

    @Test(arguments: StoreBackend.allCases)
    func anOwnerLeavingPassesOwnershipToTheOldestAdminElseTheOldestMember(_ backend: StoreBackend) async throws {
        let store = try await backend.make()
        let people = try await users(store, 5)
        let (a, b, c, d, e) = (people[0], people[1], people[2], people[3], people[4])
        let created = try await group(store, owner: a, [b, c, d])
        let gid = created.info.gid
        // c and d are admins (d made one first); b, the oldest plain member, is not.
        #expect(outcomeKind(try await store.setGroupRole(gid: gid, by: a.uid, uid: d.uid, role: .admin)) == .done)
        #expect(outcomeKind(try await store.setGroupRole(gid: gid, by: a.uid, uid: c.uid, role: .admin)) == .done)
        let oldestAdmin = try #require(oldest(created.members.filter { [c.uid, d.uid].contains($0.uid) }))
        #expect(oldestAdmin == c.uid, "created together: same joinedAt (lower uid) or c's earlier")
        let first = try #require(doneValue(try await store.leaveGroup(gid: gid, uid: a.uid)))
        #expect(first.newOwner == c.uid)
        let afterFirst = try #require(first.detail)
        #expect(afterFirst.info.ownerUID == c.uid && afterFirst.info.memberCount == 3 && afterFirst.member(a.uid) == nil)
        #expect(afterFirst.member(c.uid)?.role == .owner && afterFirst.member(d.uid)?.role == .admin)
        #expect(afterFirst.member(b.uid)?.role == .member)
        #expect(try await detail(store, gid).info.ownerUID == c.uid)
        #expect(try await store.groupMemberships(of: a.uid).isEmpty)
        // The remaining admin next.
        let second = try #require(doneValue(try await store.leaveGroup(gid: gid, uid: c.uid)))
        #expect(second.newOwner == d.uid && second.detail?.info.ownerUID == d.uid && second.detail?.member(d.uid)?.role == .owner)
        // A plain member leaving passes nothing on.
        let plain = try #require(doneValue(try await store.leaveGroup(gid: gid, uid: b.uid)))
        #expect(plain.newOwner == nil && plain.detail?.info.ownerUID == d.uid && plain.detail?.info.memberCount == 1)
        // No admins: the oldest member (by joinedAt, then uid).
        let other = try await group(store, owner: e, [c, b])
        let heir = try #require(oldest(other.members.filter { $0.uid != e.uid }))
        let rest = [b.uid, c.uid].filter { $0 != heir }
        let noAdmins = try #require(doneValue(try await store.leaveGroup(gid: other.info.gid, uid: e.uid)))
        #expect(noAdmins.newOwner == heir && noAdmins.detail?.info.ownerUID == heir)
        #expect(noAdmins.detail?.member(heir)?.role == .owner && noAdmins.detail?.member(rest[0])?.role == .member)
        // Leaving a group one is not in, or one that does not exist.
        #expect(outcomeKind(try await store.leaveGroup(gid: gid, uid: a.uid)) == .notMember)
        #expect(outcomeKind(try await store.leaveGroup(gid: gid + 1_000, uid: a.uid)) == .noSuchGroup)
        try await store.close()
    }

    @Test(arguments: StoreBackend.allCases)
    func theLastMemberLeavingDissolvesTheGroupAndItsTexts(_ backend: StoreBackend) async throws {
        let store = try await backend.make()
        let people = try await users(store, 3)
        let (a, b, c) = (people[0], people[1], people[2])
        let gid = try await group(store, owner: a, [b]).info.gid
        let keep = try await group(store, owner: c, [a]).info.gid
        _ = try await send(store, gid, [(a, "1"), (b, "2")])
        _ = try await send(store, keep, [(c, "1")])
        #expect(try await store.groupMessageCount() == 3)
        let first = try #require(doneValue(try await store.leaveGroup(gid: gid, uid: b.uid)))
        #expect(first.detail?.info.memberCount == 1 && first.newOwner == nil)
        let last = try #require(doneValue(try await store.leaveGroup(gid: gid, uid: a.uid)))
        #expect(last.detail == nil && last.newOwner == nil)
        #expect(try await store.groupDetail(gid: gid) == nil)
        #expect(try await store.groupHistory(gid: gid, page: .latest, limit: 10).isEmpty)
        #expect(try await store.groupHistory(gid: gid, page: .after(0), limit: 10).isEmpty)
        #expect(try await store.groupMessageCount() == 1)
        #expect(try await store.groupMemberships(of: a.uid).map(\.info.gid) == [keep])
        #expect(try await store.groups(after: 0, limit: 10).map(\.gid) == [keep])
        #expect(outcomeKind(try await store.leaveGroup(gid: gid, uid: a.uid)) == .noSuchGroup)
        #expect(try await store.appendGroupMessages([NewGroupMessage(gid: gid, fromUID: a.uid, clientMsgID: "x", content: "x")]) == [.notMember])
        try await store.close()
    }

    @Test(arguments: StoreBackend.allCases)
    func ownersRemoveAnyoneElseAndAdminsPlainMembers(_ backend: StoreBackend) async throws {
        let store = try await backend.make()
        let people = try await users(store, 6)
        let (a, b, c, d, e, f) = (people[0], people[1], people[2], people[3], people[4], people[5])
        let gid = try await group(store, owner: a, [b, c, d, e]).info.gid
        for admin in [b, c] {
            #expect(outcomeKind(try await store.setGroupRole(gid: gid, by: a.uid, uid: admin.uid, role: .admin)) == .done)
        }
        func remove(by: User, _ uid: Int64) async throws -> GroupOutcome<GroupDetail> {
            try await store.removeGroupMember(gid: gid, by: by.uid, uid: uid)
        }
        #expect(outcomeKind(try await remove(by: a, a.uid)) == .notAllowed, "the owner cannot remove themself")
        #expect(outcomeKind(try await remove(by: b, c.uid)) == .notAllowed, "an admin cannot remove an admin")
        #expect(outcomeKind(try await remove(by: b, b.uid)) == .notAllowed, "nor themself")
        #expect(outcomeKind(try await remove(by: b, a.uid)) == .notAllowed, "nor the owner")
        #expect(outcomeKind(try await remove(by: d, e.uid)) == .notAllowed, "a plain member removes no one")
        #expect(outcomeKind(try await remove(by: b, f.uid)) == .notMember, "the target is not a member")
        #expect(outcomeKind(try await remove(by: f, e.uid)) == .notMember, "the acting user is not a member")
        #expect(outcomeKind(try await store.removeGroupMember(gid: gid + 1_000, by: a.uid, uid: e.uid)) == .noSuchGroup)
        #expect(try await detail(store, gid).info.memberCount == 5)
        let byAdmin = try #require(doneValue(try await remove(by: b, d.uid)))
        #expect(byAdmin.member(d.uid) == nil && byAdmin.info.memberCount == 4 && byAdmin.info.ownerUID == a.uid)
        let byOwner = try #require(doneValue(try await remove(by: a, c.uid)))
        #expect(byOwner.member(c.uid) == nil && byOwner.info.memberCount == 3)
        #expect(Set(try await detail(store, gid).members.map(\.uid)) == [a.uid, b.uid, e.uid])
        #expect(try await store.groupMemberships(of: d.uid).isEmpty)
        #expect(try await store.groupMemberships(of: c.uid).isEmpty)
        #expect(outcomeKind(try await remove(by: a, d.uid)) == .notMember, "removed already")
        try await store.close()
    }

    // MARK: Renaming and roles

    @Test(arguments: StoreBackend.allCases)
    func ownersAndAdminsRename(_ backend: StoreBackend) async throws {
        let store = try await backend.make()
        let people = try await users(store, 4)
        let (a, b, c, d) = (people[0], people[1], people[2], people[3])
        let gid = try await group(store, owner: a, [b, c], name: "before").info.gid
        #expect(outcomeKind(try await store.setGroupRole(gid: gid, by: a.uid, uid: b.uid, role: .admin)) == .done)
        #expect(outcomeKind(try await store.renameGroup(gid: gid, by: c.uid, name: "by member")) == .notAllowed)
        #expect(outcomeKind(try await store.renameGroup(gid: gid, by: d.uid, name: "by outsider")) == .notMember)
        #expect(outcomeKind(try await store.renameGroup(gid: gid + 1_000, by: a.uid, name: "nowhere")) == .noSuchGroup)
        #expect(try await detail(store, gid).info.name == "before")
        #expect(doneValue(try await store.renameGroup(gid: gid, by: b.uid, name: "by admin"))?.info.name == "by admin")
        #expect(try await detail(store, gid).info.name == "by admin")
        #expect(doneValue(try await store.renameGroup(gid: gid, by: a.uid, name: "Ünïcode 群"))?.info.name == "Ünïcode 群")
        #expect(try await detail(store, gid).info.name == "Ünïcode 群")
        #expect(try await store.groupMemberships(of: c.uid).first?.info.name == "Ünïcode 群")
        try await store.close()
    }

    @Test(arguments: StoreBackend.allCases)
    func onlyTheOwnerSetsRolesAndOwnershipIsNotGiven(_ backend: StoreBackend) async throws {
        let store = try await backend.make()
        let people = try await users(store, 4)
        let (a, b, c, d) = (people[0], people[1], people[2], people[3])
        let gid = try await group(store, owner: a, [b, c]).info.gid
        let made = try #require(doneValue(try await store.setGroupRole(gid: gid, by: a.uid, uid: b.uid, role: .admin)))
        #expect(made.member(b.uid)?.role == .admin && made.info.ownerUID == a.uid)
        #expect(outcomeKind(try await store.setGroupRole(gid: gid, by: b.uid, uid: c.uid, role: .admin)) == .notAllowed, "an admin sets no roles")
        #expect(outcomeKind(try await store.setGroupRole(gid: gid, by: c.uid, uid: c.uid, role: .admin)) == .notAllowed, "nor a member")
        #expect(outcomeKind(try await store.setGroupRole(gid: gid, by: a.uid, uid: a.uid, role: .member)) == .notAllowed, "the owner's role")
        #expect(outcomeKind(try await store.setGroupRole(gid: gid, by: a.uid, uid: a.uid, role: .admin)) == .notAllowed, "the owner's role")
        #expect(outcomeKind(try await store.setGroupRole(gid: gid, by: a.uid, uid: c.uid, role: .owner)) == .notAllowed, "ownership is not given")
        #expect(outcomeKind(try await store.setGroupRole(gid: gid, by: a.uid, uid: d.uid, role: .admin)) == .notMember)
        #expect(outcomeKind(try await store.setGroupRole(gid: gid, by: d.uid, uid: c.uid, role: .admin)) == .notMember)
        #expect(outcomeKind(try await store.setGroupRole(gid: gid + 1_000, by: a.uid, uid: b.uid, role: .admin)) == .noSuchGroup)
        let unchanged = try await detail(store, gid)
        #expect(unchanged.info.ownerUID == a.uid && unchanged.member(a.uid)?.role == .owner)
        #expect(unchanged.member(b.uid)?.role == .admin && unchanged.member(c.uid)?.role == .member)
        #expect(unchanged.members.filter { $0.role == .owner }.map(\.uid) == [a.uid])
        let back = try #require(doneValue(try await store.setGroupRole(gid: gid, by: a.uid, uid: b.uid, role: .member)))
        #expect(back.member(b.uid)?.role == .member)
        #expect(try await detail(store, gid).member(b.uid)?.role == .member)
        #expect(try await store.groupMemberships(of: b.uid).first?.role == .member)
        try await store.close()
    }

    // MARK: Texts

    @Test(arguments: StoreBackend.allCases)
    func sequenceNumbersAreGapFreePerGroupAndMembersAreThoseAtStoreTime(_ backend: StoreBackend) async throws {
        let store = try await backend.make()
        let people = try await users(store, 4)
        let (a, b, c, d) = (people[0], people[1], people[2], people[3])
        let one = try await group(store, owner: a, [b]).info.gid
        let two = try await group(store, owner: c, [a]).info.gid
        let outcomes = try await store.appendGroupMessages([
            NewGroupMessage(gid: one, fromUID: a.uid, clientMsgID: "1", content: "one"),
            NewGroupMessage(gid: two, fromUID: a.uid, clientMsgID: "1", content: "two"),
            NewGroupMessage(gid: one, fromUID: b.uid, clientMsgID: "2", content: "three"),
            NewGroupMessage(gid: one, fromUID: a.uid, clientMsgID: "3", content: "four"),
            NewGroupMessage(gid: two, fromUID: c.uid, clientMsgID: "x", content: "five"),
        ])
        let stored = try outcomes.map { try #require(storedText($0), "\($0)") }
        #expect(stored.map(\.gid) == [one, two, one, one, two])
        #expect(stored.map(\.seq) == [1, 1, 2, 3, 2])
        #expect(stored.map(\.content) == ["one", "two", "three", "four", "five"])
        #expect(stored.map(\.fromUID) == [a.uid, a.uid, b.uid, a.uid, c.uid])
        #expect(stored.allSatisfy { !$0.isDuplicate && $0.createdAt > 0 })
        #expect(stored.filter { $0.gid == one }.allSatisfy { Set($0.members) == [a.uid, b.uid] && $0.members.count == 2 })
        #expect(stored.filter { $0.gid == two }.allSatisfy { Set($0.members) == [a.uid, c.uid] && $0.members.count == 2 })
        #expect(try await detail(store, one).info.lastSeq == 3)
        #expect(try await detail(store, two).info.lastSeq == 2)
        // d joins: later texts go to d too, earlier ones stay as they were.
        #expect(outcomeKind(try await store.addGroupMembers(gid: one, by: a.uid, members: [d.uid], limits: GroupLimits())) == .done)
        let next = try await send(store, one, [(d, "4")])
        #expect(next.map(\.seq) == [4] && Set(next[0].members) == [a.uid, b.uid, d.uid])
        let history = try await store.groupHistory(gid: one, page: .latest, limit: 10)
        #expect(history.map(\.seq) == [1, 2, 3, 4] && history.map(\.content) == ["one", "three", "four", "text 4"])
        #expect(history.map(\.createdAt) == history.map(\.createdAt).sorted())
        #expect(try await store.groupHistory(gid: two, page: .latest, limit: 10).map(\.seq) == [1, 2])
        try await store.close()
    }

    @Test(arguments: StoreBackend.allCases)
    func aNonMemberSendersTextIsRefusedAndTheRestOfTheBatchStored(_ backend: StoreBackend) async throws {
        let store = try await backend.make()
        let people = try await users(store, 3)
        let (a, b, c) = (people[0], people[1], people[2])
        let gid = try await group(store, owner: a, [b]).info.gid
        let outcomes = try await store.appendGroupMessages([
            NewGroupMessage(gid: gid, fromUID: a.uid, clientMsgID: "1", content: "a"),
            NewGroupMessage(gid: gid, fromUID: c.uid, clientMsgID: "2", content: "c is no member"),
            NewGroupMessage(gid: gid + 1_000, fromUID: a.uid, clientMsgID: "3", content: "no such group"),
            NewGroupMessage(gid: gid, fromUID: b.uid, clientMsgID: "4", content: "b"),
        ])
        #expect(outcomes.count == 4)
        #expect(outcomes[1] == .notMember && outcomes[2] == .notMember)
        #expect(storedText(outcomes[0])?.seq == 1 && storedText(outcomes[3])?.seq == 2, "no gap for the refused text")
        #expect(try await store.groupHistory(gid: gid, page: .latest, limit: 10).map(\.content) == ["a", "b"])
        #expect(try await store.groupMessageCount() == 2)
        #expect(try await detail(store, gid).info.lastSeq == 2)
        try await store.close()
    }

    @Test(arguments: StoreBackend.allCases)
    func aResentMsgidIsTheSameTextPerSenderAndGroup(_ backend: StoreBackend) async throws {
        let store = try await backend.make()
        let people = try await users(store, 2)
        let (a, b) = (people[0], people[1])
        let one = try await group(store, owner: a, [b]).info.gid
        let two = try await group(store, owner: b, [a]).info.gid
        let original = try #require(storedText(
            try await store.appendGroupMessages([NewGroupMessage(gid: one, fromUID: a.uid, clientMsgID: "m", content: "hi")])[0]))
        #expect(original.seq == 1 && !original.isDuplicate)
        let outcomes = try await store.appendGroupMessages([
            NewGroupMessage(gid: one, fromUID: a.uid, clientMsgID: "m", content: "changed on resend"),
            NewGroupMessage(gid: one, fromUID: b.uid, clientMsgID: "m", content: "same msgid, other sender"),
            NewGroupMessage(gid: two, fromUID: a.uid, clientMsgID: "m", content: "same msgid, other group"),
            NewGroupMessage(gid: one, fromUID: a.uid, clientMsgID: "n", content: "new"),
            NewGroupMessage(gid: one, fromUID: a.uid, clientMsgID: "n", content: "new, repeated in the batch"),
        ])
        let stored = try outcomes.map { try #require(storedText($0), "\($0)") }
        #expect(stored.map(\.isDuplicate) == [true, false, false, false, true])
        #expect(stored[0].seq == 1 && stored[0].content == "hi" && stored[0].createdAt == original.createdAt)
        #expect(stored[0].gid == one && stored[0].fromUID == a.uid && stored[0].clientMsgID == "m")
        #expect(stored[1].seq == 2 && stored[1].content == "same msgid, other sender" && stored[1].fromUID == b.uid)
        #expect(stored[2].seq == 1 && stored[2].gid == two && stored[2].content == "same msgid, other group")
        #expect(stored[3].seq == 3 && stored[4].seq == 3 && stored[4].content == "new")
        let history = try await store.groupHistory(gid: one, page: .latest, limit: 10)
        #expect(history.map(\.seq) == [1, 2, 3] && history.map(\.content) == ["hi", "same msgid, other sender", "new"])
        #expect(history.allSatisfy { !$0.isDuplicate })
        #expect(try await detail(store, one).info.lastSeq == 3)
        #expect(try await store.groupMessageCount() == 4)
        // And again in a later batch, after other texts.
        let later = try await send(store, one, [(b, "o"), (a, "n")])
        #expect(later.map(\.seq) == [4, 3] && later.map(\.isDuplicate) == [false, true])
        try await store.close()
    }

    @Test(arguments: StoreBackend.allCases)
    func aRemovedOrDepartedMembersTextsAreRefused(_ backend: StoreBackend) async throws {
        let store = try await backend.make()
        let people = try await users(store, 3)
        let (a, b, c) = (people[0], people[1], people[2])
        let gid = try await group(store, owner: a, [b, c]).info.gid
        _ = try await send(store, gid, [(b, "1"), (c, "1")])
        #expect(outcomeKind(try await store.removeGroupMember(gid: gid, by: a.uid, uid: b.uid)) == .done)
        #expect(outcomeKind(try await store.leaveGroup(gid: gid, uid: c.uid)) == .done)
        let outcomes = try await store.appendGroupMessages([
            NewGroupMessage(gid: gid, fromUID: b.uid, clientMsgID: "2", content: "removed"),
            NewGroupMessage(gid: gid, fromUID: c.uid, clientMsgID: "2", content: "left"),
            NewGroupMessage(gid: gid, fromUID: a.uid, clientMsgID: "2", content: "still in"),
        ])
        #expect(outcomes[0] == .notMember && outcomes[1] == .notMember)
        #expect(storedText(outcomes[2])?.seq == 3 && storedText(outcomes[2])?.members == [a.uid])
        #expect(try await store.groupHistory(gid: gid, page: .latest, limit: 10).map(\.content) == ["text 1", "text 1", "still in"])
        try await store.close()
    }

    @Test(arguments: StoreBackend.allCases)
    func historyPagesOldestFirst(_ backend: StoreBackend) async throws {
        let store = try await backend.make()
        let people = try await users(store, 2)
        let (a, b) = (people[0], people[1])
        let gid = try await group(store, owner: a, [b]).info.gid
        let other = try await group(store, owner: b, [a]).info.gid
        _ = try await send(store, other, [(a, "x"), (b, "y")])
        _ = try await send(store, gid, (1...10).map { ($0 % 2 == 0 ? a : b, "\($0)") })
        func seqs(_ page: HistoryPage, _ limit: Int) async throws -> [Int64] {
            try await store.groupHistory(gid: gid, page: page, limit: limit).map(\.seq)
        }
        #expect(try await seqs(.latest, 3) == [8, 9, 10])
        #expect(try await seqs(.latest, 20) == Array(1...10))
        #expect(try await seqs(.before(8), 3) == [5, 6, 7])
        #expect(try await seqs(.before(3), 5) == [1, 2])
        #expect(try await seqs(.before(1), 5) == [])
        #expect(try await seqs(.after(8), 5) == [9, 10])
        #expect(try await seqs(.after(0), 4) == [1, 2, 3, 4])
        #expect(try await seqs(.after(10), 5) == [])
        let page = try await store.groupHistory(gid: gid, page: .after(4), limit: 2)
        #expect(page.map(\.clientMsgID) == ["5", "6"] && page.map(\.fromUID) == [b.uid, a.uid] && page.map(\.content) == ["text 5", "text 6"])
        #expect(page.allSatisfy { $0.gid == gid && !$0.isDuplicate && $0.members.isEmpty && $0.createdAt > 0 })
        #expect(try await store.groupHistory(gid: gid + 1_000, page: .latest, limit: 10).isEmpty)
        try await store.close()
    }

    // MARK: Cursors

    @Test(arguments: StoreBackend.allCases)
    func deliveredCursorsOnlyMoveForwardAndSkipNonMembers(_ backend: StoreBackend) async throws {
        let store = try await backend.make()
        let people = try await users(store, 4)
        let (a, b, c, d) = (people[0], people[1], people[2], people[3])
        let gid = try await group(store, owner: a, [b, c]).info.gid
        let other = try await group(store, owner: a, [b]).info.gid
        _ = try await send(store, gid, (1...5).map { (a, "\($0)") })
        _ = try await send(store, other, (1...2).map { (a, "\($0)") })
        try await store.markGroupDelivered([
            GroupCursor(gid: gid, uid: b.uid, seq: 3),
            GroupCursor(gid: gid, uid: c.uid, seq: 2),
            GroupCursor(gid: gid, uid: d.uid, seq: 4),
            GroupCursor(gid: gid + 1_000, uid: b.uid, seq: 4),
            GroupCursor(gid: other, uid: b.uid, seq: 1),
        ])
        var now = try await detail(store, gid)
        #expect(now.member(b.uid)?.deliveredSeq == 3 && now.member(c.uid)?.deliveredSeq == 2)
        #expect(now.member(b.uid)?.readSeq == 0, "delivering is not reading")
        #expect(now.member(d.uid) == nil && now.info.memberCount == 3)
        #expect(try await store.groupMemberships(of: d.uid).isEmpty)
        #expect(try await detail(store, other).member(b.uid)?.deliveredSeq == 1)
        try await store.markGroupDelivered([GroupCursor(gid: gid, uid: b.uid, seq: 2), GroupCursor(gid: gid, uid: c.uid, seq: 5)])
        now = try await detail(store, gid)
        #expect(now.member(b.uid)?.deliveredSeq == 3 && now.member(c.uid)?.deliveredSeq == 5)
        try await store.markGroupDelivered([GroupCursor(gid: gid, uid: b.uid, seq: 5)])
        #expect(try await detail(store, gid).member(b.uid)?.deliveredSeq == 5)
        try await store.markGroupDelivered([])
        #expect(try await detail(store, other).member(b.uid)?.deliveredSeq == 1)
        try await store.close()
    }

    @Test(arguments: StoreBackend.allCases)
    func readCursorsAreCappedAtTheNewestTextAndOnlyMoveForward(_ backend: StoreBackend) async throws {
        let store = try await backend.make()
        let people = try await users(store, 3)
        let (a, b, c) = (people[0], people[1], people[2])
        let gid = try await group(store, owner: a, [b]).info.gid
        _ = try await send(store, gid, (1...5).map { (a, "\($0)") })
        #expect(try await store.markGroupRead(gid: gid, uid: b.uid, seq: 2))
        #expect(try await detail(store, gid).member(b.uid)?.readSeq == 2)
        #expect(try await store.groupMemberships(of: b.uid).first?.unread == 3)
        #expect(try await store.markGroupRead(gid: gid, uid: b.uid, seq: 1))
        #expect(try await detail(store, gid).member(b.uid)?.readSeq == 2, "never back")
        #expect(try await store.markGroupRead(gid: gid, uid: b.uid, seq: 99))
        #expect(try await detail(store, gid).member(b.uid)?.readSeq == 5, "at most the newest text")
        #expect(try await store.groupMemberships(of: b.uid).first?.unread == 0)
        #expect(try await !store.markGroupRead(gid: gid, uid: c.uid, seq: 3))
        #expect(try await !store.markGroupRead(gid: gid + 1_000, uid: b.uid, seq: 3))
        #expect(try await detail(store, gid).member(c.uid) == nil)
        // The cap follows the group: after more texts the cursor moves on again.
        _ = try await send(store, gid, [(a, "6"), (a, "7")])
        #expect(try await store.markGroupRead(gid: gid, uid: b.uid, seq: 99))
        #expect(try await detail(store, gid).member(b.uid)?.readSeq == 7)
        try await store.close()
    }

    @Test(arguments: StoreBackend.allCases)
    func aSendersCursorsMovePastTheirOwnTextOnlyWhenRightBeforeIt(_ backend: StoreBackend) async throws {
        // Not (yet) in GroupStore's doc comments: the chat role relies on it since 0320fc2 (a sender's own
        // texts are never sent back to it), and GroupRules.append says so.
        let store = try await backend.make()
        let people = try await users(store, 2)
        let (a, b) = (people[0], people[1])
        let gid = try await group(store, owner: a, [b]).info.gid
        func cursors(_ user: User) async throws -> [Int64] {
            let member = try #require(try await detail(store, gid).member(user.uid))
            return [member.deliveredSeq, member.readSeq]
        }
        _ = try await send(store, gid, [(a, "1"), (a, "2")])
        #expect(try await cursors(a) == [2, 2])
        #expect(try await cursors(b) == [0, 0])
        _ = try await send(store, gid, [(b, "3")])
        #expect(try await cursors(b) == [0, 0], "b had not had texts 1 and 2")
        #expect(try await cursors(a) == [2, 2])
        _ = try await send(store, gid, [(a, "4")])
        #expect(try await cursors(a) == [2, 2], "a had not had text 3")
        // A resend moves nothing.
        try await store.markGroupDelivered([GroupCursor(gid: gid, uid: a.uid, seq: 3)])
        _ = try await send(store, gid, [(a, "4")])
        #expect(try await cursors(a) == [3, 2])
        #expect(try await store.groupsBehind(among: [a.uid], storedBefore: farFuture) == [GroupCursor(gid: gid, uid: a.uid, seq: 3)])
        try await store.close()
    }

    @Test(arguments: StoreBackend.allCases)
    func aMembersRoleIsReadAlone(_ backend: StoreBackend) async throws {
        let store = try await backend.make()
        let people = try await users(store, 4)
        let (a, b, c, d) = (people[0], people[1], people[2], people[3])
        let gid = try await group(store, owner: a, [b, c]).info.gid
        #expect(outcomeKind(try await store.setGroupRole(gid: gid, by: a.uid, uid: b.uid, role: .admin)) == .done)
        #expect(try await store.groupRole(gid: gid, uid: a.uid) == .owner)
        #expect(try await store.groupRole(gid: gid, uid: b.uid) == .admin)
        #expect(try await store.groupRole(gid: gid, uid: c.uid) == .member)
        #expect(try await store.groupRole(gid: gid, uid: d.uid) == nil)
        #expect(try await store.groupRole(gid: gid + 1_000, uid: a.uid) == nil)
        #expect(outcomeKind(try await store.leaveGroup(gid: gid, uid: a.uid)) == .done)
        #expect(try await store.groupRole(gid: gid, uid: a.uid) == nil)
        #expect(try await store.groupRole(gid: gid, uid: b.uid) == .owner)
        try await store.close()
    }

    // MARK: Listing

    @Test(arguments: StoreBackend.allCases)
    func membershipsListEveryGroupWithRoleCursorsAndUnread(_ backend: StoreBackend) async throws {
        let store = try await backend.make()
        let people = try await users(store, 3)
        let (a, b, c) = (people[0], people[1], people[2])
        let owned = try await group(store, owner: a, [b], name: "owned").info.gid
        let plain = try await group(store, owner: b, [a, c], name: "plain").info.gid
        let admin = try await group(store, owner: c, [a], name: "admin").info.gid
        _ = try await group(store, owner: b, [c], name: "not a's")
        #expect(outcomeKind(try await store.setGroupRole(gid: admin, by: c.uid, uid: a.uid, role: .admin)) == .done)
        _ = try await send(store, plain, (1...4).map { (b, "\($0)") })
        _ = try await send(store, admin, [(c, "1")])
        try await store.markGroupDelivered([GroupCursor(gid: plain, uid: a.uid, seq: 3)])
        #expect(try await store.markGroupRead(gid: plain, uid: a.uid, seq: 1))
        let memberships = try await store.groupMemberships(of: a.uid)
        #expect(memberships.map(\.info.gid) == [owned, plain, admin])
        #expect(memberships.map(\.role) == [.owner, .member, .admin])
        #expect(memberships.map(\.info.name) == ["owned", "plain", "admin"])
        #expect(memberships.map(\.info.lastSeq) == [0, 4, 1])
        #expect(memberships.map(\.info.memberCount) == [2, 3, 2])
        #expect(memberships.map(\.info.ownerUID) == [a.uid, b.uid, c.uid])
        #expect(memberships[1].deliveredSeq == 3 && memberships[1].readSeq == 1 && memberships[1].unread == 3)
        #expect(memberships[2].deliveredSeq == 0 && memberships[2].readSeq == 0 && memberships[2].unread == 1)
        let plainInfo = try await detail(store, plain).info
        #expect(memberships[1].info == plainInfo)
        #expect(try await store.groupMemberships(of: c.uid + 1_000_000).isEmpty)
        try await store.close()
    }

    @Test(arguments: StoreBackend.allCases)
    func operatorsPageThroughGroupsByGid(_ backend: StoreBackend) async throws {
        let store = try await backend.make()
        let people = try await users(store, 2)
        let (a, b) = (people[0], people[1])
        var created: [GroupDetail] = []
        for index in 0..<5 {
            created.append(try await group(store, owner: index % 2 == 0 ? a : b, index == 3 ? [a] : [], name: "g\(index)"))
        }
        let gids = created.map(\.info.gid)
        #expect(gids == gids.sorted() && Set(gids).count == 5)
        let first = try await store.groups(after: 0, limit: 2)
        #expect(first.map(\.gid) == Array(gids.prefix(2)))
        #expect(first.map(\.name) == ["g0", "g1"] && first.map(\.ownerUID) == [a.uid, b.uid])
        #expect(try await store.groups(after: gids[1], limit: 2).map(\.gid) == [gids[2], gids[3]])
        #expect(try await store.groups(after: gids[3], limit: 2).map(\.gid) == [gids[4]])
        #expect(try await store.groups(after: gids[4], limit: 2).isEmpty)
        let all = try await store.groups(after: 0, limit: 100)
        #expect(all == created.map(\.info))
        #expect(all.map(\.memberCount) == [1, 1, 1, 2, 1])
        try await store.close()
    }

    // MARK: Deleting

    @Test(arguments: StoreBackend.allCases)
    func deletingAGroupReturnsItsMembersAndRemovesEverything(_ backend: StoreBackend) async throws {
        let store = try await backend.make()
        let people = try await users(store, 3)
        let (a, b, c) = (people[0], people[1], people[2])
        let gid = try await group(store, owner: a, [b, c]).info.gid
        let keep = try await group(store, owner: b, [a]).info.gid
        _ = try await send(store, gid, [(a, "1"), (b, "2"), (c, "3")])
        _ = try await send(store, keep, [(a, "1")])
        let members = try #require(try await store.deleteGroup(gid: gid))
        #expect(Set(members) == [a.uid, b.uid, c.uid] && members.count == 3)
        #expect(try await store.groupDetail(gid: gid) == nil)
        #expect(try await store.groupHistory(gid: gid, page: .latest, limit: 10).isEmpty)
        #expect(try await store.groupMessageCount() == 1)
        #expect(try await store.groupMemberships(of: a.uid).map(\.info.gid) == [keep])
        #expect(try await store.groupMemberships(of: c.uid).isEmpty)
        #expect(try await store.groups(after: 0, limit: 10).map(\.gid) == [keep])
        #expect(try await store.groupsBehind(among: [a.uid, b.uid, c.uid], storedBefore: farFuture).allSatisfy { $0.gid == keep })
        #expect(try await store.deleteGroup(gid: gid) == nil)
        #expect(try await store.deleteGroup(gid: keep + 1_000) == nil)
        #expect(try await store.groupHistory(gid: keep, page: .latest, limit: 10).count == 1)
        try await store.close()
    }

    @Test(arguments: StoreBackend.allCases)
    func membersBehindATextStoredBeforeTheCutoffNeedCatchingUp(_ backend: StoreBackend) async throws {
        let store = try await backend.make()
        let people = try await users(store, 5)
        let (a, b, c, d, e) = (people[0], people[1], people[2], people[3], people[4])
        let busy = try await group(store, owner: a, [b, c, d]).info.gid
        let quiet = try await group(store, owner: a, [b, c]).info.gid
        let caughtUp = try await group(store, owner: e, [c]).info.gid
        _ = try await send(store, busy, [(a, "1"), (a, "2"), (a, "3")])
        _ = try await send(store, caughtUp, [(e, "1")])
        try await store.markGroupDelivered([
            GroupCursor(gid: busy, uid: b.uid, seq: 3),
            GroupCursor(gid: busy, uid: c.uid, seq: 2),
            GroupCursor(gid: caughtUp, uid: c.uid, seq: 1),
        ])
        // Senders' own cursors are left out of `among`: the protocol does not say whether storing moves them.
        let behind = try await store.groupsBehind(among: [b.uid, c.uid, d.uid], storedBefore: farFuture)
        #expect(Set(behind) == [GroupCursor(gid: busy, uid: c.uid, seq: 2), GroupCursor(gid: busy, uid: d.uid, seq: 0)])
        #expect(behind.count == 2)
        #expect(try await store.groupsBehind(among: [d.uid], storedBefore: farFuture) == [GroupCursor(gid: busy, uid: d.uid, seq: 0)])
        #expect(try await store.groupsBehind(among: [b.uid, c.uid, d.uid], storedBefore: 1).isEmpty, "every text is newer than 1970")
        #expect(try await store.groupsBehind(among: [], storedBefore: farFuture).isEmpty)
        #expect(try await store.groupsBehind(among: [d.uid + 1_000_000], storedBefore: farFuture).isEmpty)
        // Catching up takes them off the list.
        try await store.markGroupDelivered([GroupCursor(gid: busy, uid: c.uid, seq: 3), GroupCursor(gid: busy, uid: d.uid, seq: 3)])
        #expect(try await store.groupsBehind(among: [b.uid, c.uid, d.uid], storedBefore: farFuture).isEmpty)
        _ = quiet
        try await store.close()
    }

    @Test(arguments: StoreBackend.allCases)
    func aGroupTextIsOneRowWhateverTheNumberOfMembers(_ backend: StoreBackend) async throws {
        let store = try await backend.make()
        let people = try await users(store, 6)
        #expect(try await store.groupMessageCount() == 0)
        let big = try await group(store, owner: people[0], Array(people.dropFirst())).info.gid
        let small = try await group(store, owner: people[1], [people[2]]).info.gid
        _ = try await send(store, big, [(people[0], "1"), (people[3], "2"), (people[5], "3")])
        #expect(try await store.groupMessageCount() == 3)
        _ = try await send(store, small, [(people[1], "1"), (people[2], "2")])
        #expect(try await store.groupMessageCount() == 5)
        // Neither a resend nor a refused text adds one.
        _ = try await store.appendGroupMessages([
            NewGroupMessage(gid: big, fromUID: people[0].uid, clientMsgID: "1", content: "again"),
            NewGroupMessage(gid: small, fromUID: people[0].uid, clientMsgID: "9", content: "not a member"),
        ])
        #expect(try await store.groupMessageCount() == 5)
        try await store.close()
    }

    @Test(arguments: StoreBackend.allCases)
    func deletingAUserRemovesThemFromTheirGroupsAndPassesOwnershipOn(_ backend: StoreBackend) async throws {
        let store = try await backend.make()
        let people = try await users(store, 4)
        let (a, b, c, d) = (people[0], people[1], people[2], people[3])
        let owned = try await group(store, owner: a, [b, c, d]).info.gid
        let joined = try await group(store, owner: c, [a, b]).info.gid
        #expect(outcomeKind(try await store.setGroupRole(gid: owned, by: a.uid, uid: d.uid, role: .admin)) == .done)
        _ = try await send(store, owned, [(a, "1")])
        #expect(try await store.deleteUser(uid: a.uid))
        let afterOwned = try await detail(store, owned)
        #expect(afterOwned.member(a.uid) == nil && afterOwned.info.memberCount == 3)
        #expect(afterOwned.info.ownerUID == d.uid && afterOwned.member(d.uid)?.role == .owner, "the oldest admin")
        #expect(afterOwned.members.filter { $0.role == .owner }.count == 1)
        let afterJoined = try await detail(store, joined)
        #expect(afterJoined.member(a.uid) == nil && afterJoined.info.memberCount == 2 && afterJoined.info.ownerUID == c.uid)
        #expect(try await store.groupMemberships(of: a.uid).isEmpty)
        // No admin: the oldest member.
        #expect(try await store.deleteUser(uid: c.uid))
        let noAdmin = try await detail(store, joined)
        #expect(noAdmin.info.ownerUID == b.uid && noAdmin.member(b.uid)?.role == .owner && noAdmin.info.memberCount == 1)
        #expect(try await store.groupMemberships(of: b.uid).map(\.info.gid) == [owned, joined])
        try await store.close()
    }

    @Test(arguments: StoreBackend.allCases)
    func deletingAGroupsOnlyMemberLeavesNoOwnerlessGroup(_ backend: StoreBackend) async throws {
        // `GroupInfo.ownerUID` is 0 "never after a committed change": a group whose last member is deleted
        // goes the way of one whose last member leaves.
        let store = try await backend.make()
        let people = try await users(store, 1)
        let gid = try await group(store, owner: people[0], []).info.gid
        _ = try await send(store, gid, [(people[0], "1")])
        #expect(try await store.deleteUser(uid: people[0].uid))
        let left = try await store.groupDetail(gid: gid)
        #expect(left == nil, "an ownerless, memberless group remains: \(String(describing: left))")
        #expect(try await store.groups(after: 0, limit: 10).allSatisfy { $0.ownerUID != 0 })
        try await store.close()
    }

    // MARK: Concurrency

    @Test(arguments: StoreBackend.allCases)
    func concurrentSendersGetUniqueGapFreeSequences(_ backend: StoreBackend) async throws {
        let store = try await backend.make()
        let people = try await users(store, 4)
        let gid = try await group(store, owner: people[0], Array(people.dropFirst())).info.gid
        let seqs = try await withThrowingTaskGroup(of: [Int64].self) { tasks in
            for writer in 0..<8 {
                tasks.addTask {
                    var seqs: [Int64] = []
                    for index in 0..<20 {
                        let outcomes = try await store.appendGroupMessages([
                            NewGroupMessage(gid: gid, fromUID: people[writer % 4].uid, clientMsgID: "w\(writer)-\(index)", content: "x")
                        ])
                        seqs += outcomes.compactMap { storedText($0)?.seq }
                    }
                    return seqs
                }
            }
            return try await tasks.reduce(into: [Int64]()) { $0 += $1 }
        }
        #expect(seqs.count == 160)
        #expect(seqs.sorted() == Array(1...160))
        #expect(try await store.groupHistory(gid: gid, page: .after(0), limit: 200).map(\.seq) == Array(1...160))
        #expect(try await detail(store, gid).info.lastSeq == 160)
        #expect(try await store.groupMessageCount() == 160)
        try await store.close()
    }

    @Test(arguments: StoreBackend.allCases)
    func concurrentCreatesNeverExceedMaxGroupsPerUser(_ backend: StoreBackend) async throws {
        let store = try await backend.make()
        let people = try await users(store, 9)
        let shared = people[0]
        let limits = GroupLimits(maxMembers: 10, maxGroupsPerUser: 3)
        let kinds = try await withThrowingTaskGroup(of: OutcomeKind.self) { tasks in
            for owner in people.dropFirst() {
                tasks.addTask {
                    outcomeKind(try await store.createGroup(name: "g", owner: owner.uid, members: [shared.uid], limits: limits))
                }
            }
            return try await tasks.reduce(into: [OutcomeKind]()) { $0.append($1) }
        }
        #expect(kinds.filter { $0 == .done }.count == 3)
        #expect(kinds.filter { $0 == .tooManyGroups(shared.uid) }.count == 5)
        #expect(try await store.groupMemberships(of: shared.uid).count == 3)
        #expect(try await store.groups(after: 0, limit: 100).count == 3)
        try await store.close()
    }

    @Test(arguments: StoreBackend.allCases)
    func concurrentChangesToDifferentGroupsAllSucceed(_ backend: StoreBackend) async throws {
        // Writers on disjoint users and groups never see each other's rules: each change must succeed
        // (a lock conflict between them is the store's to resolve, not the caller's).
        let store = try await backend.make()
        let people = try await users(store, 16)
        let owners = try await withThrowingTaskGroup(of: [Int64: Int64].self) { tasks in
            for writer in 0..<8 {
                let (owner, member) = (people[2 * writer], people[2 * writer + 1])
                tasks.addTask {
                    var heirs: [Int64: Int64] = [:]
                    for round in 0..<5 {
                        let outcome = try await store.createGroup(name: "w\(writer)-\(round)", owner: owner.uid, members: [member.uid], limits: GroupLimits())
                        guard let gid = doneValue(outcome)?.info.gid else { continue }
                        _ = try await store.appendGroupMessages((0..<3).map {
                            NewGroupMessage(gid: gid, fromUID: $0 == 1 ? member.uid : owner.uid, clientMsgID: "\($0)", content: "x")
                        })
                        heirs[gid] = doneValue(try await store.leaveGroup(gid: gid, uid: owner.uid))?.newOwner ?? 0
                    }
                    return heirs
                }
            }
            return try await tasks.reduce(into: [Int64: Int64]()) { $0.merge($1) { first, _ in first } }
        }
        #expect(owners.count == 40)
        let infos = try await store.groups(after: 0, limit: 100)
        #expect(infos.count == 40 && infos.allSatisfy { $0.memberCount == 1 && $0.lastSeq == 3 })
        #expect(infos.allSatisfy { owners[$0.gid] == $0.ownerUID })
        #expect(Set(owners.values) == Set((0..<8).map { people[2 * $0 + 1].uid }))
        #expect(try await store.groupMessageCount() == 120)
        try await store.close()
    }

    @Test(arguments: StoreBackend.allCases)
    func concurrentAddsNeverExceedMaxMembers(_ backend: StoreBackend) async throws {
        let store = try await backend.make()
        let people = try await users(store, 10)
        let limits = GroupLimits(maxMembers: 5, maxGroupsPerUser: 10)
        let owner = people[0]
        let gid = try #require(doneValue(try await store.createGroup(name: "g", owner: owner.uid, members: [], limits: limits))).info.gid
        let added = try await withThrowingTaskGroup(of: Int.self) { tasks in
            for person in people.dropFirst() {
                tasks.addTask {
                    let outcome = try await store.addGroupMembers(gid: gid, by: owner.uid, members: [person.uid], limits: limits)
                    return doneValue(outcome)?.added.count ?? 0
                }
            }
            return try await tasks.reduce(0, +)
        }
        #expect(added == 4)
        #expect(try await detail(store, gid).info.memberCount == 5)
        #expect(try await detail(store, gid).members.count == 5)
        try await store.close()
    }
}

/// A `GroupOutcome` without its value, to compare.
enum OutcomeKind: Hashable {
    case done, noSuchGroup, notMember, notAllowed, full
    case tooManyGroups(Int64)
}

func outcomeKind<Value>(_ outcome: GroupOutcome<Value>) -> OutcomeKind {
    switch outcome {
    case .done: .done
    case .noSuchGroup: .noSuchGroup
    case .notMember: .notMember
    case .notAllowed: .notAllowed
    case .full: .full
    case .tooManyGroups(let uid): .tooManyGroups(uid)
    }
}

func doneValue<Value>(_ outcome: GroupOutcome<Value>) -> Value? {
    if case .done(let value) = outcome { value } else { nil }
}

/// The uid first in line for ownership: the earliest joinedAt, then the lowest uid.
func oldest(_ members: [GroupMember]) -> Int64? {
    members.min { ($0.joinedAt, $0.uid) < ($1.joinedAt, $1.uid) }?.uid
}

func storedText(_ outcome: GroupAppendOutcome) -> StoredGroupMessage? {
    if case .stored(let text) = outcome { text } else { nil }
}
