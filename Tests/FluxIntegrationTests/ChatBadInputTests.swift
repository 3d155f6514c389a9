import FluxClient
import FluxProtocol
import Foundation
import Testing

/// Every kind of bad input gets a documented answer, and a second client keeps being served.
@Suite struct ChatBadInputTests {
    @Test func badFramesAreAnsweredAndOthersKeepWorking() async throws {
        try await TestFlux.run(environment: ["FLUX_CHAT_MAX_BODY_BYTES": "1024", "FLUX_CHAT_MAX_TEXT_LENGTH": "100"]) { (flux: TestFlux) async throws in
            let rex = try await ChatUser.signUp(flux, "rex")
            let sue = try await ChatUser.signUp(flux, "sue")
            try await makeFriends(rex, sue)
            let port = try #require(flux.chatPort)

            // Before login only 1005 is accepted.
            let stranger = try await ChatClient.connect(host: "127.0.0.1", port: port)
            let early = try await stranger.request(.searchUser, SearchUserRequest(uid: "rex"), as: ErrorReply.self)
            #expect(early.error == .notLoggedIn)
            let earlyText = try await stranger.request(
                .textChat, TextChatMessage(fromuid: rex.uid, touid: sue.uid, textArray: [TextItem(msgid: "x", content: "x")]),
                as: ErrorReply.self)
            #expect(earlyText.error == .notLoggedIn)
            // Wrong tokens and uids.
            let wrongToken = try await stranger.request(.chatLogin, ChatLoginRequest(uid: rex.uid, token: "not-the-token"), as: ErrorReply.self)
            #expect(wrongToken.error == .tokenInvalid)
            let unknownUID = try await stranger.request(.chatLogin, ChatLoginRequest(uid: 999_999, token: "x"), as: ErrorReply.self)
            #expect(unknownUID.error == .uidInvalid)

            // Not JSON, wrong shape, missing field: 1001 on the response id.
            rex.client.send(.searchUser, text: "{not json")
            #expect(try await rex.client.next(.searchUserResponse, as: ErrorReply.self).error == .badJSON)
            rex.client.send(.textChat, text: "[]")
            #expect(try await rex.client.next(.textChatResponse, as: ErrorReply.self).error == .badJSON)
            rex.client.send(.textChat, text: #"{"touid":1}"#)
            #expect(try await rex.client.next(.textChatResponse, as: ErrorReply.self).error == .badJSON)
            rex.client.send(.addFriend, text: #"{"touid":"abc","applyname":"a","bakname":"b"}"#)
            #expect(try await rex.client.next(.addFriendResponse, as: ErrorReply.self).error == .badJSON)
            rex.client.send(.history, text: "")
            #expect(try await rex.client.next(.historyResponse, as: ErrorReply.self).error == .badJSON)
            rex.client.send(.history, text: #"{"peer":"me"}"#)
            #expect(try await rex.client.next(.historyResponse, as: ErrorReply.self).error == .badJSON)

            // Unknown id: 1117 naming it.
            rex.client.send(MessageID(rawValue: 1500), text: "{}")
            let unknown = try await rex.client.next(.notifyError, as: ErrorNotice.self)
            #expect(unknown.error == .unknownMessage && unknown.msgid == 1500)

            // Text too long, empty, to oneself.
            let long = try await rex.text(sue, String(repeating: "y", count: 101))
            #expect(long.error == .textTooLong)
            let toSelf = try await rex.text(rex, "me")
            #expect(toSelf.error == .invalidTarget)

            // The same connection still works after all that.
            #expect(try await rex.text(sue, "still here").error == .success)
            _ = try await sue.client.next(.notifyTextChat)

            // A frame over the body limit: 1117 with 1013, then the connection closes.
            var oversized: [UInt8] = [0x03, 0xF1, 0x08, 0x00]  // id 1009, length 2048
            oversized += Array(repeating: UInt8(ascii: "a"), count: 2048)
            sue.client.send(raw: oversized)
            let tooBig = try await sue.client.next(.notifyError, as: ErrorNotice.self)
            #expect(tooBig.error == .payloadTooLarge && tooBig.msgid == 1009)
            #expect(await sue.client.waitForClose())

            // Garbage that is not even a frame header from a stranger, then a close.
            stranger.send(raw: [0xFF])
            await stranger.close()

            // Everyone else is still served.
            let beat = try await rex.client.request(.heartbeat, HeartbeatRequest(), as: ErrorReply.self)
            #expect(beat.error == .success)
            let offline = try await rex.client.next(.notifyPresence, as: PresenceNotice.self)
            #expect(offline.uid == sue.uid && !offline.online)
            let sueAgain = try await sue.reconnect(flux)
            #expect(try await rex.text(sueAgain, "welcome back").error == .success)
            _ = try await sueAgain.client.next(.notifyTextChat)
        }
    }

    /// A frame that arrives in pieces is read whole: a heartbeat and the first bytes of a second one in
    /// one write (answered before the rest is sent, so the server has held the piece), then its rest.
    @Test func framesSplitAcrossReadsAreReassembled() async throws {
        try await TestFlux.run { (flux: TestFlux) async throws in
            let ivy = try await ChatUser.signUp(flux, "ivy")
            func frame(_ id: UInt16, _ body: String) -> [UInt8] {
                let bytes = Array(body.utf8)
                return [UInt8(id >> 8), UInt8(id & 0xFF), UInt8(bytes.count >> 8), UInt8(bytes.count & 0xFF)] + bytes
            }
            let first = frame(MessageID.heartbeat.rawValue, #"{"fromuid":\#(ivy.uid)}"#)
            let second = frame(MessageID.heartbeat.rawValue, #"{"fromuid":\#(ivy.uid),"n":2}"#)
            for cut in [1, 3, 6] {
                ivy.client.send(raw: first + second.prefix(cut))
                #expect(try await ivy.client.next(.heartbeatResponse, as: ErrorReply.self).error == .success)
                ivy.client.send(raw: Array(second.dropFirst(cut)))
                #expect(try await ivy.client.next(.heartbeatResponse, as: ErrorReply.self).error == .success, "cut at \(cut)")
            }
        }
    }

    @Test func idleConnectionsAreClosed() async throws {
        try await TestFlux.run(environment: ["FLUX_CHAT_IDLE_TIMEOUT": "2.5"]) { (flux: TestFlux) async throws in
            let tom = try await ChatUser.signUp(flux, "tom")
            let uma = try await ChatUser.signUp(flux, "uma")
            // Tom says nothing; Uma beats each time the wait for Tom's close has gone 300 ms without it.
            // (The sweep's rules and timing: `IdlePolicyTests`, with a clock of their own.)
            let deadline = ContinuousClock.now.advanced(by: .seconds(30))
            while !(await tom.client.waitForClose(timeout: .milliseconds(300))) {
                try #require(ContinuousClock.now < deadline, "Tom's silent connection was never closed")
                _ = try await uma.client.request(.heartbeat, HeartbeatRequest(fromuid: uma.uid), as: ErrorReply.self)
            }
            // Uma signed up after Tom: without her beats she would follow him within a few sweeps. She
            // beats on for a whole idle timeout and two sweeps more, and stays.
            let tomClosed = ContinuousClock.now
            while tomClosed.duration(to: .now) < .seconds(4) {
                _ = try await uma.client.request(.heartbeat, HeartbeatRequest(fromuid: uma.uid), as: ErrorReply.self)
                #expect(!(await uma.client.waitForClose(timeout: .milliseconds(300))), "Uma, beating, was closed")
            }
            let beat = try await uma.client.request(.heartbeat, HeartbeatRequest(), as: ErrorReply.self)
            #expect(beat.error == .success)
        }
    }

    @Test func aClientThatDoesNotReadIsDisconnected() async throws {
        // The flood is far above the texts-per-second limit: lift it, this test is about a reader that stalls.
        try await TestFlux.run(environment: ["FLUX_CHAT_OUTBOUND_QUEUE_LIMIT": "16", "FLUX_CHAT_TEXTS_PER_SECOND": "1000000"]) {
            (flux: TestFlux) async throws in
            let vic = try await ChatUser.signUp(flux, "vic")
            let wes = try await ChatUser.signUp(flux, "wes")
            try await makeFriends(vic, wes)
            // Wes logs in again on a socket that never reads, with a tiny receive buffer.
            let reply = try await flux.gate.post("user_login", ["email": wes.email, "passwd": wes.password])
            let token = try #require(reply["token"] as? String)
            let sleeper = try StalledSocket(port: try #require(flux.chatPort))
            defer { sleeper.close() }
            try sleeper.send(id: 1005, json: #"{"uid":\#(wes.uid),"token":"\#(token)"}"#)
            _ = try await wes.client.next(.notifyOffline)  // the old connection was replaced
            let payload = String(repeating: "z", count: 3900)
            var disconnected = false
            for index in 0..<2000 {
                #expect(try await vic.text(wes, payload, msgid: "flood-\(index)").error == .success)
                if let presence = try? await vic.client.next(.notifyPresence, as: PresenceNotice.self, timeout: .milliseconds(1)),
                    presence.uid == wes.uid, !presence.online
                {
                    disconnected = true
                    break
                }
            }
            #expect(disconnected, "the non-reading client was never disconnected")
            // Nothing was lost: the texts are stored and wait for Wes's next login.
            let history = try await vic.client.request(.history, HistoryRequest(peer: wes.uid, limit: 5), as: HistoryResponse.self)
            #expect(history.messages.count == 5)
        }
    }

    @Test func refusedTextsAreAnsweredInTheOrderSent() async throws {
        try await TestFlux.run { (flux: TestFlux) async throws in
            let amy = try await ChatUser.signUp(flux, "oamy")
            let bo = try await ChatUser.signUp(flux, "obo")
            let cy = try await ChatUser.signUp(flux, "ocy")
            try await makeFriends(amy, bo)
            // Pipelined: three stored texts, then one to a stranger, then one more stored text.
            for index in 0..<3 {
                try amy.client.send(.textChat, TextChatMessage(fromuid: amy.uid, touid: bo.uid, textArray: [TextItem(msgid: "o\(index)", content: "x")]))
            }
            try amy.client.send(.textChat, TextChatMessage(fromuid: amy.uid, touid: cy.uid, textArray: [TextItem(msgid: "stranger", content: "x")]))
            try amy.client.send(.textChat, TextChatMessage(fromuid: amy.uid, touid: bo.uid, textArray: [TextItem(msgid: "o3", content: "x")]))
            var answers: [String] = []
            for _ in 0..<5 {
                let frame = try await amy.client.next(.textChatResponse)
                let error = try frame.decode(ErrorReply.self).error
                answers.append(error == .success ? try frame.decode(TextChatMessage.self).textArray.map(\.msgid).joined() : "\(error.rawValue)")
            }
            #expect(answers == ["o0", "o1", "o2", "1015", "o3"])
        }
    }
}
