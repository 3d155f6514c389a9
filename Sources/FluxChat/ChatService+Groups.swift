import FluxProtocol
import FluxStore

/// Group chat (1121–1148): membership changes decided by the store in one transaction each, texts
/// through their own group commit, notices (1131) to the members online on any node.
extension ChatService {
    func handleGroupRequest(_ frame: ChatFrame, uid: Int64, session: ChatSession) async throws {
        switch frame.id {
        case .groupCreate: try await createGroup(try frame.decode(GroupCreateRequest.self), uid: uid, session: session)
        case .groupAdd: try await addGroupMembers(try frame.decode(GroupMembersRequest.self), uid: uid, session: session)
        case .groupLeave: try await leaveGroup(try frame.decode(GroupReference.self).gid, uid: uid, session: session)
        case .groupRemove: try await removeGroupMember(try frame.decode(GroupMemberReference.self), uid: uid, session: session)
        case .groupInfo: try await groupInfo(try frame.decode(GroupReference.self).gid, uid: uid, session: session)
        case .groupHistory: try await groupHistory(try frame.decode(GroupHistoryRequest.self), uid: uid, session: session)
        case .groupRead: try await markGroupRead(try frame.decode(GroupReadMark.self), uid: uid, session: session)
        case .groupList: try await listGroups(uid: uid, session: session)
        case .groupRename: try await renameGroup(try frame.decode(GroupRename.self), uid: uid, session: session)
        case .groupSetRole: try await setGroupRole(try frame.decode(GroupRoleChange.self), uid: uid, session: session)
        default: throw FluxError(.unknownMessage, "not a group request: \(frame.id)")
        }
    }

    // MARK: - Membership

    /// 1121: a group of the user and some of their friends.
    private func createGroup(_ request: GroupCreateRequest, uid: Int64, session: ChatSession) async throws {
        let name = try groupName(request.name)
        let members = GroupRequestRules.others(request.members ?? [], than: uid)
        guard members.count < configuration.groups.maxMembers else {
            throw FluxError(.groupFull, "a group has at most \(configuration.groups.maxMembers) members")
        }
        try await requireFriends(members, of: uid, session: session)
        let detail = try await groupCall { () async throws(StoreError) in
            try await store.createGroup(name: name, owner: uid, members: members, limits: configuration.groups.limits)
        }
        send(.groupCreate.response, GroupDetailResponse(
            gid: detail.info.gid, name: detail.info.name, owner: detail.info.ownerUID,
            members: detail.members.map { GroupMemberEntry(uid: $0.uid, name: $0.name, role: $0.role.rawValue) }), to: session)
        session.startGroup(detail.info.gid, at: 0)
        await notifyMembers(detail.members.map(\.uid), except: uid, GroupEventNotice(gid: detail.info.gid, kind: .created, uid: uid, by: uid, name: name))
    }

    /// 1123: the owner or an admin adds some of their friends.
    private func addGroupMembers(_ request: GroupMembersRequest, uid: Int64, session: ChatSession) async throws {
        let members = GroupRequestRules.others(request.members, than: uid)
        guard !members.isEmpty else { throw FluxError(.badJSON, "no one to add") }
        guard members.count < configuration.groups.maxMembers else {
            throw FluxError(.groupFull, "a group has at most \(configuration.groups.maxMembers) members")
        }
        try await requireFriends(members, of: uid, session: session)
        let addition = try await groupCall { () async throws(StoreError) in
            try await store.addGroupMembers(gid: request.gid, by: uid, members: members, limits: configuration.groups.limits)
        }
        send(.groupAdd.response, GroupAddResponse(gid: request.gid, added: addition.added), to: session)
        let everyone = addition.detail.members.map(\.uid)
        for added in addition.added {
            await notifyMembers(everyone, except: uid, GroupEventNotice(gid: request.gid, kind: .added, uid: added, by: uid))
        }
    }

    /// 1125: the user leaves; ownership passes on, or the last one out dissolves the group.
    private func leaveGroup(_ gid: Int64, uid: Int64, session: ChatSession) async throws {
        let departure = try await groupCall { () async throws(StoreError) in try await store.leaveGroup(gid: gid, uid: uid) }
        session.forgetGroup(gid)
        send(.groupLeave.response, GroupReference(error: .success, gid: gid), to: session)
        guard let detail = departure.detail else {
            logger.info("group dissolved: its last member left", metadata: ["gid": "\(gid)", "uid": "\(uid)"])
            return
        }
        let remaining = detail.members.map(\.uid)
        await notifyMembers(remaining, except: uid, GroupEventNotice(gid: gid, kind: .left, uid: uid, by: uid))
        if let owner = departure.newOwner {
            await notifyMembers(remaining, except: uid, GroupEventNotice(gid: gid, kind: .role, uid: owner, by: uid, role: GroupRole.owner.rawValue))
        }
    }

    /// 1127: the owner (anyone) or an admin (plain members) removes a member, who hears it too.
    private func removeGroupMember(_ request: GroupMemberReference, uid: Int64, session: ChatSession) async throws {
        let detail = try await groupCall { () async throws(StoreError) in
            try await store.removeGroupMember(gid: request.gid, by: uid, uid: request.uid)
        }
        registry.session(for: request.uid)?.forgetGroup(request.gid)
        send(.groupRemove.response, GroupMemberReference(error: .success, gid: request.gid, uid: request.uid), to: session)
        await notifyMembers(detail.members.map(\.uid) + [request.uid], except: uid,
            GroupEventNotice(gid: request.gid, kind: .removed, uid: request.uid, by: uid))
    }

    /// 1129: the group with its members and who of them is online (members only).
    private func groupInfo(_ gid: Int64, uid: Int64, session: ChatSession) async throws {
        guard let detail = try await storeCall({ () async throws(StoreError) in try await store.groupDetail(gid: gid) }) else {
            throw FluxError(.noSuchGroup, "no group \(gid)")
        }
        guard detail.member(uid) != nil else { throw FluxError(.notGroupMember, "not a member of group \(gid)") }
        let online = await router.online(among: detail.members.map(\.uid))
        send(.groupInfo.response, GroupDetailResponse(
            gid: gid, name: detail.info.name, owner: detail.info.ownerUID,
            members: detail.members.map {
                GroupMemberEntry(uid: $0.uid, name: $0.name, nick: $0.nick, icon: $0.icon, role: $0.role.rawValue, online: online.contains($0.uid))
            }), to: session)
    }

    /// 1143: the owner or an admin renames the group.
    private func renameGroup(_ request: GroupRename, uid: Int64, session: ChatSession) async throws {
        let name = try groupName(request.name)
        let detail = try await groupCall { () async throws(StoreError) in try await store.renameGroup(gid: request.gid, by: uid, name: name) }
        send(.groupRename.response, GroupRename(error: .success, gid: request.gid, name: name), to: session)
        await notifyMembers(detail.members.map(\.uid), except: uid, GroupEventNotice(gid: request.gid, kind: .renamed, uid: uid, by: uid, name: name))
    }

    /// 1147: the owner makes a member an admin or a plain member.
    private func setGroupRole(_ request: GroupRoleChange, uid: Int64, session: ChatSession) async throws {
        guard let role = GroupRole(rawValue: request.role), role != .owner else {
            throw FluxError(.badJSON, "role must be \"admin\" or \"member\"")
        }
        let detail = try await groupCall { () async throws(StoreError) in
            try await store.setGroupRole(gid: request.gid, by: uid, uid: request.uid, role: role)
        }
        send(.groupSetRole.response, GroupRoleChange(error: .success, gid: request.gid, uid: request.uid, role: role.rawValue), to: session)
        await notifyMembers(detail.members.map(\.uid), except: uid,
            GroupEventNotice(gid: request.gid, kind: .role, uid: request.uid, by: uid, role: role.rawValue))
    }

    // MARK: - Reading

    /// 1137: a page of the group's texts (members only).
    private func groupHistory(_ request: GroupHistoryRequest, uid: Int64, session: ChatSession) async throws {
        try await requireMember(request.gid, uid)
        let limit = min(max(request.limit ?? 50, 1), 200)
        let page: HistoryPage = request.before.map { .before($0) } ?? request.after.map { .after($0) } ?? .latest
        let texts = try await storeCall { () async throws(StoreError) in
            try await store.groupHistory(gid: request.gid, page: page, limit: limit)
        }
        var items = texts.map { GroupHistoryItem(seq: $0.seq, msgid: $0.clientMsgID, fromuid: $0.fromUID, content: $0.content, time: $0.createdAt) }
        // A page must fit the 16-bit frame length: shorten it from the end far from the cursor.
        var frame = try ChatFrame(.groupHistory.response, json: GroupHistoryResponse(gid: request.gid, messages: items))
        while frame.body.readableBytes > ChatFrame.maximumBodyLength, items.count > 1 {
            items = request.after != nil ? Array(items.prefix(items.count / 2)) : Array(items.suffix(items.count / 2))
            frame = try ChatFrame(.groupHistory.response, json: GroupHistoryResponse(gid: request.gid, messages: items))
        }
        session.send(frame)
    }

    /// 1139: the user read the group up to `seq`.
    private func markGroupRead(_ request: GroupReadMark, uid: Int64, session: ChatSession) async throws {
        guard request.seq >= 0 else { throw FluxError(.badJSON, "negative seq") }
        guard try await storeCall({ () async throws(StoreError) in try await store.markGroupRead(gid: request.gid, uid: uid, seq: request.seq) }) else {
            throw FluxError(.notGroupMember, "not a member of group \(request.gid)")
        }
        send(.groupRead.response, GroupReadMark(error: .success, gid: request.gid, seq: request.seq), to: session)
    }

    /// 1141: the user's groups with their unread counts.
    private func listGroups(uid: Int64, session: ChatSession) async throws {
        let memberships = try await storeCall { () async throws(StoreError) in try await store.groupMemberships(of: uid) }
        send(.groupList.response, GroupListResponse(groups: memberships.map {
            GroupListEntry(
                gid: $0.info.gid, name: $0.info.name, owner: $0.info.ownerUID, members: $0.info.memberCount, lastSeq: $0.info.lastSeq,
                readSeq: $0.readSeq, unread: $0.unread)
        }), to: session)
    }

    // MARK: - Helpers

    private func groupName(_ raw: String) throws(FluxError) -> String {
        let name = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !name.isEmpty, name.count <= configuration.groups.maxNameLength else {
            throw FluxError(.badJSON, "a group name is 1–\(configuration.groups.maxNameLength) characters")
        }
        return name
    }

    /// Only friends can be put in a group (as only friends can be sent texts).
    private func requireFriends(_ uids: [Int64], of uid: Int64, session: ChatSession) async throws {
        for other in uids where !session.knowsFriend(other) {
            guard try await storeCall({ () async throws(StoreError) in try await store.areFriends(uid, other) }) else {
                throw FluxError(.notFriends, "\(other) is not a friend")
            }
            session.rememberFriend(other)
        }
    }

    func requireMember(_ gid: Int64, _ uid: Int64) async throws {
        guard try await storeCall({ () async throws(StoreError) in try await store.groupRole(gid: gid, uid: uid) }) != nil else {
            throw FluxError(.notGroupMember, "not a member of group \(gid)")
        }
    }

    /// Runs a group change, turning a refusal into its protocol error.
    private func groupCall<T>(_ body: () async throws(StoreError) -> GroupOutcome<T>) async throws(FluxError) -> T {
        try await storeCall(body).value()
    }

    /// Sends `notice` (1131) to `uids` but `actor`, wherever they are online.
    func notifyMembers(_ uids: [Int64], except actor: Int64, _ notice: GroupEventNotice) async {
        guard let frame = try? ChatFrame(.notifyGroup, json: notice) else { return }
        for uid in Set(uids) where uid != actor { await router.send(frame, to: uid) }
    }

    /// The 1135 of a stored group text.
    static func groupTextNotice(_ text: StoredGroupMessage) throws -> ChatFrame {
        try ChatFrame(.notifyGroupText, json: GroupTextMessage(
            error: .success, gid: text.gid, fromuid: text.fromUID,
            textArray: [TextItem(msgid: text.clientMsgID, content: text.content, seq: text.seq, time: text.createdAt)]))
    }
}

extension GroupOutcome {
    /// The value of a change that was done, or the protocol error of its refusal.
    func value() throws(FluxError) -> Value {
        switch self {
        case .done(let value): return value
        case .noSuchGroup: throw FluxError(.noSuchGroup, "no such group")
        case .notMember: throw FluxError(.notGroupMember, "not a member of the group")
        case .notAllowed: throw FluxError(.notAllowed, "your role in the group does not allow this")
        case .full: throw FluxError(.groupFull, "the group is full")
        case .tooManyGroups(let uid): throw FluxError(.tooManyGroups, "user \(uid) is in too many groups")
        }
    }
}

/// Pure request rules shared by the group handlers.
enum GroupRequestRules {
    /// `uids` without duplicates and without `uid`, in request order.
    static func others(_ uids: [Int64], than uid: Int64) -> [Int64] {
        var seen: Set<Int64> = [uid]
        return uids.filter { seen.insert($0).inserted }
    }
}
