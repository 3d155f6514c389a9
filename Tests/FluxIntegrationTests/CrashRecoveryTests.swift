import FluxClient
import FluxProtocol
import Foundation
import Testing

/// kill -9 while two clients exchange texts, restart: every text whose 1018 arrived is stored and delivered.
@Suite struct CrashRecoveryTests {
    struct Account {
        let uid: Int64
        let email: String
    }

    @Test func acknowledgedMessagesSurviveKill9() async throws {
        let gatePort = try freeLoopbackPort()
        let chatPort = try freeLoopbackPort()
        let environment = [
            "FLUX_GATE_HOST": "127.0.0.1", "FLUX_GATE_PORT": "\(gatePort)",
            "FLUX_CHAT_HOST": "127.0.0.1", "FLUX_CHAT_PORT": "\(chatPort)",
        ]
        let first = try FluxProcess.start(["--role", "all"], environment: environment)
        try await first.waitForLog("chat listening")
        try await first.waitForLog("gate listening")
        let gate = GateClient(port: gatePort)
        let outbox = Outbox(folder: first.dataDirectory + "/outbox")
        let ana = try await Self.register(gate, outbox, "crash-ana")
        let bob = try await Self.register(gate, outbox, "crash-bob")
        let anaChat = try await Self.connect(gate, ana, chatPort)
        let bobChat = try await Self.connect(gate, bob, chatPort)
        _ = try await anaChat.request(.addFriend, AddFriendRequest(applyname: "ana", bakname: "bob", touid: bob.uid), as: ErrorReply.self)
        let accepted = try await bobChat.request(.authFriend, AuthFriendRequest(touid: ana.uid, back: "ana"), as: ErrorReply.self)
        #expect(accepted.error == .success)

        // Both send a stream of texts without waiting; the server is killed mid-stream.
        let count = 400
        for index in 0..<count {
            try anaChat.send(.textChat, TextChatMessage(fromuid: ana.uid, touid: bob.uid, textArray: [TextItem(msgid: "ana-\(index)", content: "a\(index)")]))
            try bobChat.send(.textChat, TextChatMessage(fromuid: bob.uid, touid: ana.uid, textArray: [TextItem(msgid: "bob-\(index)", content: "b\(index)")]))
        }
        for _ in 0..<40 { _ = try await anaChat.next(.textChatResponse) }
        await first.crash()
        let anaClosed = await anaChat.waitForClose()
        let bobClosed = await bobChat.waitForClose()
        #expect(anaClosed && bobClosed)

        // What each side saw before the crash. The 40 taken above were acknowledged too.
        var acknowledged = Set((0..<40).map { "ana-\($0)" })
        var deliveredBeforeCrash = Set<String>()
        let leftover = await anaChat.drain() + (await bobChat.drain())
        for frame in leftover {
            if frame.id == .textChatResponse, let reply = try? frame.decode(TextChatMessage.self), reply.error == .success {
                acknowledged.formUnion(reply.textArray.map(\.msgid))
            } else if frame.id == .notifyTextChat, let notice = try? frame.decode(TextChatMessage.self) {
                deliveredBeforeCrash.formUnion(notice.textArray.map(\.msgid))
            }
        }
        #expect(acknowledged.count >= 40)

        // Restart on the same data and ports; both log in again and get their backlog.
        let second = try FluxProcess.start(["--role", "all"], environment: environment, dataDirectory: first.dataDirectory)
        defer { second.kill() }
        try await second.waitForLog("chat listening")
        try await second.waitForLog("gate listening")
        var deliveredAfter = Set<String>()
        var stored = Set<String>()
        for account in [ana, bob] {
            let chat = try await Self.connect(gate, account, chatPort, waitForBacklog: false)
            while true {
                let frame = try await chat.next(nil, timeout: .seconds(10))
                if frame.id == .notifyBacklogDone { break }
                if frame.id == .notifyTextChat {
                    deliveredAfter.formUnion(try frame.decode(TextChatMessage.self).textArray.map(\.msgid))
                }
            }
            let peer = account.uid == ana.uid ? bob.uid : ana.uid
            var after: Int64 = 0
            while true {
                let page = try await chat.request(.history, HistoryRequest(peer: peer, after: after, limit: 200), as: HistoryResponse.self)
                stored.formUnion(page.messages.map(\.msgid))
                guard let last = page.messages.last else { break }
                after = last.seq
            }
            await chat.close()
        }
        let lostFromStore = acknowledged.subtracting(stored)
        let undelivered = acknowledged.subtracting(deliveredBeforeCrash).subtracting(deliveredAfter)
        #expect(lostFromStore.isEmpty, "acknowledged but not stored: \(lostFromStore.sorted())")
        #expect(undelivered.isEmpty, "acknowledged but never delivered: \(undelivered.sorted())")
        #expect(stored.isSuperset(of: deliveredBeforeCrash), "delivered texts must have been stored first")
    }

    static func register(_ gate: GateClient, _ outbox: Outbox, _ name: String) async throws -> Account {
        let email = "\(name)@example.com"
        #expect(try await gate.post("get_varifycode", ["email": email]).error == 0)
        let code = try await outbox.code(for: email)
        let reply = try await gate.post("user_register", [
            "email": email, "user": name, "passwd": "pw", "confirm": "pw", "icon": "", "varifycode": code,
        ])
        #expect(reply.error == 0)
        return Account(uid: Int64(try #require(reply["uid"] as? Int)), email: email)
    }

    static func connect(_ gate: GateClient, _ account: Account, _ chatPort: Int, waitForBacklog: Bool = true) async throws -> ChatClient {
        let login = try await gate.post("user_login", ["email": account.email, "passwd": "pw"])
        let token = try #require(login["token"] as? String)
        #expect(login["port"] as? String == "\(chatPort)")
        let chat = try await ChatClient.connect(host: "127.0.0.1", port: chatPort)
        let reply = try await chat.request(.chatLogin, ChatLoginRequest(uid: account.uid, token: token), as: ChatLoginResponse.self)
        #expect(reply.error == .success)
        if waitForBacklog { _ = try await chat.next(.notifyBacklogDone) }
        return chat
    }
}
