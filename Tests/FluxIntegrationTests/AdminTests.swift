import FluxClient
import FluxProtocol
import Foundation
import Testing

/// `flux admin` against the store of a running `flux --role all`.
@Suite struct AdminTests {
    @Test func fromNothingToTwoFriendsChattingWithAdminAndTheChatProtocol() async throws {
        try await TestFlux.run { (flux: TestFlux) async throws in
            let environment = ["FLUX_DATA_DIR": flux.dataDirectory]
            func admin(_ arguments: String...) async throws -> (status: Int32, output: String, errors: String) {
                try await FluxProcess.runToEnd(["admin"] + arguments, environment: environment)
            }
            let created = try await admin("users", "create", "--email", "kai@example.com", "--name", "kai", "--password", "pw-kai", "--json")
            #expect(created.status == 0, "\(created.errors)")
            let kai = try #require(try JSONSerialization.jsonObject(with: Data(created.output.utf8)) as? [[String: Any]]).first
            let kaiUID = try #require(kai?["uid"] as? Int)
            #expect(kai?["passwordHash"] == nil && !created.output.contains("scrypt"))
            #expect(try await admin("users", "create", "--email", "lea@example.com", "--name", "lea", "--password", "pw-lea").status == 0)
            let duplicate = try await admin("users", "create", "--email", "kai@example.com", "--name", "kai2", "--password", "x")
            #expect(duplicate.status == 1 && duplicate.errors.contains("already registered"))
            #expect(try await admin("users", "create", "--email", "bad", "--name", "9", "--password", "x").status == 2)

            let listed = try await admin("users", "list", "--json")
            let names = (try JSONSerialization.jsonObject(with: Data(listed.output.utf8)) as? [[String: Any]])?.compactMap { $0["name"] as? String }
            #expect(names == ["kai", "lea"])
            #expect(try await admin("users", "list").output.contains("kai@example.com"))
            let shown = try await admin("users", "show", "lea", "--json")
            let leaUID = try #require((try JSONSerialization.jsonObject(with: Data(shown.output.utf8)) as? [[String: Any]])?.first?["uid"] as? Int)
            #expect(try await admin("users", "show", "nobody").status == 1)

            #expect(try await admin("friends", "add", "\(kaiUID)", "\(leaUID)").status == 0)
            let friends = try await admin("friends", "list", "\(kaiUID)", "--json")
            #expect(friends.output.contains("\"lea\""))
            #expect(try await admin("friends", "list", "999999").status == 1)

            // Both log in over HTTP and chat: no e-mail code was ever needed.
            let kaiChat = try await ChatUser.logIn(flux, name: "kai", email: "kai@example.com", password: "pw-kai")
            let leaChat = try await ChatUser.logIn(flux, name: "lea", email: "lea@example.com", password: "pw-lea")
            #expect(try await kaiChat.text(leaChat, "hi lea").error == .success)
            let got = try await leaChat.client.next(.notifyTextChat, as: TextChatMessage.self)
            #expect(got.fromuid == Int64(kaiUID))

            let history = try await admin("messages", "\(leaUID)", "--with", "\(kaiUID)", "--json")
            #expect(history.status == 0 && history.output.contains("hi lea"), "\(history)")
            #expect(try await admin("messages", "\(kaiUID)").output.contains("hi lea"))
            #expect(try await admin("messages", "\(kaiUID)", "--with", "\(leaUID)", "--since", "1").output.contains("hi lea") == false)
            #expect(try await admin("messages", "\(kaiUID)", "--since", "1").status == 2)

            // Password reset and disable take effect on the next login.
            #expect(try await admin("users", "reset-password", "\(leaUID)", "--password", "new-pw").status == 0)
            #expect(try await flux.gate.post("user_login", ["email": "lea@example.com", "passwd": "new-pw"]).error == 0)
            #expect(try await admin("users", "disable", "\(kaiUID)").status == 0)
            #expect(try await flux.gate.post("user_login", ["email": "kai@example.com", "passwd": "pw-kai"]).error == 1009)
            #expect(try await admin("users", "enable", "\(kaiUID)").status == 0)
            #expect(try await flux.gate.post("user_login", ["email": "kai@example.com", "passwd": "pw-kai"]).error == 0)
            #expect(try await admin("users", "enable", "999999").status == 1)
        }
    }

    @Test func liveSubcommandsSeeAndActOnTheRunningRoles() async throws {
        try await TestFlux.run { (flux: TestFlux) async throws in
            let status = try await flux.statusAddress()
            let environment = ["FLUX_DATA_DIR": flux.dataDirectory]
            func admin(_ arguments: String...) async throws -> (status: Int32, output: String, errors: String) {
                try await FluxProcess.runToEnd(["admin"] + arguments + ["--status", status], environment: environment)
            }
            func json(_ text: String) throws -> Any { try JSONSerialization.jsonObject(with: Data(text.utf8)) }

            let ann = try await ChatUser.signUp(flux, "lann")
            let ben = try await ChatUser.signUp(flux, "lben")
            let cid = try await ChatUser.signUp(flux, "lcid")
            try await makeFriends(ann, ben)
            #expect(try await ann.text(ben, "one").error == .success)
            _ = try await ben.client.next(.notifyTextChat)

            let nodes = try await admin("nodes", "--json")
            #expect(nodes.status == 0, "\(nodes.errors)")
            let nodeList = try #require(try json(nodes.output) as? [[String: Any]])
            #expect(nodeList.map { $0["name"] as? String } == ["chat-1"])
            #expect(nodeList.first?["capacity"] as? Int == 100_000 && nodeList.first?["draining"] as? Bool == false)
            #expect(try await admin("nodes").output.contains("chat-1"))

            let sessions = try await admin("sessions", "--json")
            #expect(sessions.status == 0, "\(sessions.errors)")
            let uids = try #require(try json(sessions.output) as? [[String: Any]]).compactMap { $0["uid"] as? Int }
            #expect(uids.sorted() == [ann.uid, ben.uid, cid.uid].map(Int.init).sorted())
            #expect(try await admin("sessions", "--node", "nowhere").status == 1)

            let stats = try await admin("stats", "--json")
            #expect(stats.status == 0, "\(stats.errors)")
            let figures = try #require(try json(stats.output) as? [String: Any])
            #expect(figures["users"] as? Int == 3 && figures["messages"] as? Int == 1 && figures["sessions"] as? Int == 3)
            #expect(try await admin("stats").output.contains("users: 3"))

            // kick: 1021, then the connection closes; a second kick finds nobody.
            let kicked = try await admin("kick", "\(cid.uid)")
            #expect(kicked.status == 0 && kicked.output.contains("kicked \(cid.uid)"), "\(kicked)")
            let notice = try await cid.client.next(.notifyOffline, as: OfflineNotice.self)
            #expect(notice.uid == cid.uid)
            #expect(await cid.client.waitForClose())
            let again = try await admin("kick", "\(cid.uid)")
            #expect(again.status == 1 && again.errors.contains("not online"))

            // disable kicks at once and the old token no longer logs in.
            #expect(try await admin("users", "disable", "\(ben.uid)").status == 0)
            _ = try await ben.client.next(.notifyOffline)
            let retry = try await ChatClient.connect(host: "127.0.0.1", port: try #require(flux.chatPort))
            let refused = try await retry.request(.chatLogin, ChatLoginRequest(uid: ben.uid, token: ben.token), as: ErrorReply.self)
            #expect(refused.error != .success)
            await retry.close()

            // delete needs --yes, kicks the user and removes the account with its messages.
            #expect(try await admin("users", "delete", "\(ann.uid)").status == 2)
            let deleted = try await admin("users", "delete", "\(ann.uid)", "--yes")
            #expect(deleted.status == 0, "\(deleted.errors)")
            _ = try await ann.client.next(.notifyOffline)
            #expect(try await FluxProcess.runToEnd(["admin", "users", "show", "\(ann.uid)"], environment: environment).status == 1)
            #expect(try await admin("users", "delete", "\(ann.uid)", "--yes").status == 1)
            let remaining = try #require(try json(try await admin("stats", "--json").output) as? [String: Any])
            #expect(remaining["users"] as? Int == 2 && remaining["messages"] as? Int == 0)
            #expect(try await flux.gate.post("user_login", ["email": ann.email, "passwd": ann.password]).error == 1009)

            // With nothing listening, live subcommands exit 1 with a clear reason.
            let down = try await FluxProcess.runToEnd(["admin", "nodes", "--status", "127.0.0.1:\(try freeLoopbackPort())"], environment: environment)
            #expect(down.status == 1 && down.errors.contains("unreachable"), "\(down)")
        }
    }
}
