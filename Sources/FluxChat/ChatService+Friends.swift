import FluxProtocol
import FluxStore

extension ChatService {
    /// 1007: digits look up a uid, anything else a user name (compared as the store compares names:
    /// ignoring case and Unicode look-alike forms). The 1008 carries the e-mail only of yourself or a
    /// friend; for anyone else it is empty, so e-mails cannot be harvested by searching uid after uid.
    func search(_ request: SearchUserRequest, uid: Int64, session: ChatSession) async throws {
        guard await limits.admit("search", subject: "\(uid)", limit: configuration.searchesPerMinute, per: .seconds(60)) else {
            throw FluxError(.rateLimited, "more than \(configuration.searchesPerMinute) searches a minute")
        }
        let query = request.uid.trimmingCharacters(in: .whitespaces)
        let user: User?
        if !query.isEmpty, query.allSatisfy({ $0.isASCII && $0.isNumber }), let uid = Int64(query) {
            user = try await storeCall { () async throws(StoreError) in try await profiles.user(uid) }
        } else {
            user = try await storeCall { () async throws(StoreError) in try await store.user(name: query) }
        }
        guard let user, !user.disabled else { throw FluxError(.uidInvalid, "no such user") }
        let email = try await mayShowEmail(of: user.uid, to: uid, session: session) ? user.email : ""
        send(.searchUserResponse, SearchUserResponse(
            uid: user.uid, name: user.name, email: email, nick: user.nick, desc: user.desc, sex: user.sex,
            icon: user.icon), to: session)
    }

    /// Whether `viewer` may see `owner`'s e-mail: their own, or a friend's. A yes from the store is
    /// remembered for the session (friendships are never taken back while it lives), like 1017 does.
    private func mayShowEmail(of owner: Int64, to viewer: Int64, session: ChatSession) async throws -> Bool {
        if owner == viewer || session.knowsFriend(owner) { return true }
        guard try await storeCall({ () async throws(StoreError) in try await store.areFriends(viewer, owner) }) else { return false }
        session.rememberFriend(owner)
        return true
    }

    /// 1009: stores (or updates) the request and tells the other user (1011) with the applicant's real profile.
    func addFriend(_ request: AddFriendRequest, uid: Int64, session: ChatSession) async throws {
        guard request.touid != uid else { throw FluxError(.invalidTarget, "cannot befriend yourself") }
        guard await limits.admit("friendreq", subject: "\(uid)", limit: configuration.friendRequestsPerHour, per: .seconds(3600)) else {
            throw FluxError(.rateLimited, "more than \(configuration.friendRequestsPerHour) friend requests an hour")
        }
        guard request.applyname.count <= 64, request.bakname.count <= 64 else { throw FluxError(.badJSON, "name too long") }
        let target = try await storeCall { () async throws(StoreError) in try await profiles.user(request.touid) }
        guard let target, !target.disabled else { throw FluxError(.uidInvalid, "no such user") }
        guard let me = try await storeCall({ () async throws(StoreError) in try await profiles.user(uid) }) else {
            throw FluxError(.uidInvalid, "own account vanished")
        }
        try await storeCall { () async throws(StoreError) in
            try await store.saveFriendRequest(from: uid, to: target.uid, applyName: request.applyname, backName: request.bakname)
        }
        send(.addFriendResponse, ErrorReply(error: .success), to: session)
        await notify(target.uid, .notifyAddFriend, AddFriendNotice(
            applyuid: me.uid, name: me.name, desc: me.desc, icon: me.icon, sex: me.sex, nick: me.nick))
    }

    /// 1013: the session's user accepts `touid`'s request; both become friends; the applicant hears 1015.
    func acceptFriend(_ request: AuthFriendRequest, uid: Int64, session: ChatSession) async throws {
        guard request.touid != uid else { throw FluxError(.invalidTarget, "cannot befriend yourself") }
        guard await limits.admit("friendreq", subject: "\(uid)", limit: configuration.friendRequestsPerHour, per: .seconds(3600)) else {
            throw FluxError(.rateLimited, "more than \(configuration.friendRequestsPerHour) friend requests an hour")
        }
        guard request.back.count <= 64 else { throw FluxError(.badJSON, "back name too long") }
        let accepted = try await storeCall { () async throws(StoreError) in
            try await store.acceptFriendRequest(accepter: uid, applicant: request.touid, back: request.back)
        }
        guard accepted else { throw FluxError(.noSuchRequest, "no request from \(request.touid)") }
        guard let applicant = try await storeCall({ () async throws(StoreError) in try await profiles.user(request.touid) }),
            let me = try await storeCall({ () async throws(StoreError) in try await profiles.user(uid) })
        else { throw FluxError(.uidInvalid, "user vanished") }
        send(.authFriendResponse, AuthFriendResponse(
            uid: applicant.uid, name: applicant.name, nick: applicant.nick, icon: applicant.icon, sex: applicant.sex),
            to: session)
        await notify(applicant.uid, .notifyAuthFriend, AuthFriendNotice(
            fromuid: me.uid, touid: applicant.uid, name: me.name, nick: me.nick, icon: me.icon, sex: me.sex))
    }
}

import Foundation
