import FluxClient
import FluxProtocol
import Foundation
import Testing

/// `flux admin` against the store of a running `flux --role all`.
@Suite struct AdminTests {
    @Test func fromNothingToTwoFriendsChattingWithAdminAndTheChatProtocol() async throws {
        try await TestFlux.run { (flux: TestFlux) async throws in
            let environment = ["FLUX_DATA_DIR": flux.dataDirectory]
            func admin(_ arguments: String...) throws -> (status: Int32, output: String, errors: String) {
                try FluxProcess.runToEnd(["admin"] + arguments, environment: environment)
            }
            let created = try admin("users", "create", "--email", "kai@example.com", "--name", "kai", "--password", "pw-kai", "--json")
            #expect(created.status == 0, "\(created.errors)")
            let kai = try #require(try JSONSerialization.jsonObject(with: Data(created.output.utf8)) as? [[String: Any]]).first
            let kaiUID = try #require(kai?["uid"] as? Int)
            #expect(kai?["passwordHash"] == nil && !created.output.contains("scrypt"))
            #expect(try admin("users", "create", "--email", "lea@example.com", "--name", "lea", "--password", "pw-lea").status == 0)
            let duplicate = try admin("users", "create", "--email", "kai@example.com", "--name", "kai2", "--password", "x")
            #expect(duplicate.status == 1 && duplicate.errors.contains("already registered"))
            #expect(try admin("users", "create", "--email", "bad", "--name", "9", "--password", "x").status == 2)

            let listed = try admin("users", "list", "--json")
            let names = (try JSONSerialization.jsonObject(with: Data(listed.output.utf8)) as? [[String: Any]])?.compactMap { $0["name"] as? String }
            #expect(names == ["kai", "lea"])
            #expect(try admin("users", "list").output.contains("kai@example.com"))
            let shown = try admin("users", "show", "lea", "--json")
            let leaUID = try #require((try JSONSerialization.jsonObject(with: Data(shown.output.utf8)) as? [[String: Any]])?.first?["uid"] as? Int)
            #expect(try admin("users", "show", "nobody").status == 1)

            #expect(try admin("friends", "add", "\(kaiUID)", "\(leaUID)").status == 0)
            let friends = try admin("friends", "list", "\(kaiUID)", "--json")
            #expect(friends.output.contains("\"lea\""))
            #expect(try admin("friends", "list", "999999").status == 1)

            // Both log in over HTTP and chat: no e-mail code was ever needed.
            let kaiChat = try await ChatUser.logIn(flux, name: "kai", email: "kai@example.com", password: "pw-kai")
            let leaChat = try await ChatUser.logIn(flux, name: "lea", email: "lea@example.com", password: "pw-lea")
            #expect(try await kaiChat.text(leaChat, "hi lea").error == .success)
            let got = try await leaChat.client.next(.notifyTextChat, as: TextChatMessage.self)
            #expect(got.fromuid == Int64(kaiUID))

            let history = try admin("messages", "\(leaUID)", "--with", "\(kaiUID)", "--json")
            #expect(history.status == 0 && history.output.contains("hi lea"), "\(history)")
            #expect(try admin("messages", "\(kaiUID)").output.contains("hi lea"))
            #expect(try admin("messages", "\(kaiUID)", "--with", "\(leaUID)", "--since", "1").output.contains("hi lea") == false)
            #expect(try admin("messages", "\(kaiUID)", "--since", "1").status == 2)

            // Password reset and disable take effect on the next login.
            #expect(try admin("users", "reset-password", "\(leaUID)", "--password", "new-pw").status == 0)
            #expect(try await flux.gate.post("user_login", ["email": "lea@example.com", "passwd": "new-pw"]).error == 0)
            #expect(try admin("users", "disable", "\(kaiUID)").status == 0)
            #expect(try await flux.gate.post("user_login", ["email": "kai@example.com", "passwd": "pw-kai"]).error == 1009)
            #expect(try admin("users", "enable", "\(kaiUID)").status == 0)
            #expect(try await flux.gate.post("user_login", ["email": "kai@example.com", "passwd": "pw-kai"]).error == 0)
            #expect(try admin("users", "enable", "999999").status == 1)
        }
    }
}
