import FluxProtocol
import FluxStore

extension ChatService {
    /// 1109: changes the session's user's own profile; online friends hear 1111.
    func updateProfile(_ request: UpdateProfileRequest, uid: Int64, session: ChatSession) async throws {
        if let nick = request.nick, nick.isEmpty || nick.count > 64 { throw FluxError(.badJSON, "nick must be 1–64 characters") }
        if let desc = request.desc, desc.count > 512 { throw FluxError(.badJSON, "desc over 512 characters") }
        if let icon = request.icon, icon.utf8.count > 2048 { throw FluxError(.badJSON, "icon too long") }
        if let sex = request.sex, !(0...2).contains(sex) { throw FluxError(.badJSON, "sex must be 0, 1 or 2") }
        let change = ProfileChange(nick: request.nick, desc: request.desc, sex: request.sex, icon: request.icon)
        guard let user = try await storeCall({ () async throws(StoreError) in try await store.updateProfile(uid: uid, change) }) else {
            throw FluxError(.uidInvalid, "own account vanished")
        }
        await profiles.drop(uid)
        // A lookup that read the old row just before the update may write it back: drop once more.
        let profiles = self.profiles
        Task {
            try? await Task.sleep(for: .milliseconds(200))
            await profiles.drop(uid)
        }
        let profile = ProfileMessage(uid: user.uid, name: user.name, nick: user.nick, desc: user.desc, sex: user.sex, icon: user.icon)
        send(.updateProfileResponse, profile, to: session)
        let friends = (try? await store.friends(of: uid)) ?? []
        for friend in friends {
            await notify(friend.user.uid, .notifyProfile, profile)
        }
    }
}
