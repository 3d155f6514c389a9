import FluxClient
import FluxProtocol
import Foundation
import Testing

/// 1007 search shows an e-mail only to its owner and the owner's friends (issue 13): searching uid after
/// uid must not harvest the e-mails of strangers.
@Suite struct SearchPrivacyTests {
    @Test func emailOnlyForYourselfAndFriends() async throws {
        try await TestFlux.run { (flux: TestFlux) async throws in
            let ivy = try await ChatUser.signUp(flux, "ivy")
            let jon = try await ChatUser.signUp(flux, "jon")
            let kim = try await ChatUser.signUp(flux, "kim")

            // Strangers: the profile, with an empty e-mail (still present, so old clients parse it).
            let byUID = try await search(ivy, "\(jon.uid)")
            #expect(byUID.error == .success && byUID.uid == jon.uid && byUID.name == "jon" && byUID.email == "")
            #expect(try await search(ivy, "jon").email == "")
            #expect(try await search(ivy, "JON").uid == jon.uid, "names are found ignoring case")
            try ivy.client.send(.searchUser, SearchUserRequest(uid: "\(kim.uid)"))
            let raw = try await ivy.client.next(.searchUserResponse)
            #expect(raw.bodyText.contains("\"email\":\"\""), "\(raw.bodyText)")

            // Yourself.
            #expect(try await search(ivy, "\(ivy.uid)").email == "ivy@example.com")
            #expect(try await search(ivy, "ivy").email == "ivy@example.com")

            // Friends, both ways; a pending request is not enough.
            try await makeFriends(ivy, jon)
            #expect(try await search(ivy, "\(jon.uid)").email == "jon@example.com")
            #expect(try await search(jon, "ivy").email == "ivy@example.com")
            let asked = try await kim.client.request(
                .addFriend, AddFriendRequest(uid: kim.uid, applyname: "kim", bakname: "ivy", touid: ivy.uid), as: ErrorReply.self)
            #expect(asked.error == .success)
            _ = try await ivy.client.next(.notifyAddFriend)
            #expect(try await search(kim, "\(ivy.uid)").email == "")
            #expect(try await search(ivy, "kim").email == "")

            // Walking the uids shows no stranger's e-mail.
            for uid in [ivy.uid, jon.uid, kim.uid] {
                let found = try await search(kim, "\(uid)")
                #expect(found.email == (uid == kim.uid ? "kim@example.com" : ""), "uid \(uid)")
            }
        }
    }

    private func search(_ user: ChatUser, _ query: String) async throws -> SearchUserResponse {
        try await user.client.request(.searchUser, SearchUserRequest(uid: query), as: SearchUserResponse.self)
    }
}
