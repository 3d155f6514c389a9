import Foundation
import FluxProtocol
import NIOCore
import NIOFoundationCompat
import Testing

@Suite struct PayloadCodingTests {
    private func object(_ value: some Encodable) throws -> [String: Any] {
        let data = try JSONEncoder().encode(value)
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    @Test func loginResponseHasThePortAsAString() throws {
        let json = try object(LoginResponse(email: "a@b.c", uid: 7, token: "t", host: "127.0.0.1", port: "8090"))
        #expect(json["port"] as? String == "8090")
        #expect(json["uid"] as? Int == 7)
        #expect(json["error"] as? Int == 0)
        #expect(Set(json.keys) == ["error", "email", "uid", "token", "host", "port"])
    }

    @Test func registerResponseNeverCarriesThePassword() throws {
        let json = try object(RegisterResponse(uid: 1, email: "a@b.c", user: "alice", icon: ""))
        #expect(json["passwd"] == nil && json["confirm"] == nil)
    }

    @Test func chatLoginResponseUsesTheOriginalListNames() throws {
        let response = ChatLoginResponse(
            uid: 1, name: "a", email: "a@b.c", nick: "a", desc: "", sex: 0, icon: "",
            applyList: [ApplyEntry(uid: 2, name: "b", nick: "b", icon: "", sex: 1, desc: "", status: 0)],
            friendList: [FriendEntry(uid: 3, name: "c", nick: "c", icon: "", sex: 0, desc: "", back: "cc")])
        let json = try object(response)
        #expect((json["apply_list"] as? [Any])?.count == 1)
        #expect((json["friend_list"] as? [[String: Any]])?.first?["back"] as? String == "cc")
    }

    @Test func textMessageUsesTextArray() throws {
        let text = #"{"fromuid":1,"touid":2,"text_array":[{"msgid":"m1","content":"hi"}]}"#
        let decoded = try JSONDecoder().decode(TextChatMessage.self, from: Data(text.utf8))
        #expect(decoded.textArray == [TextItem(msgid: "m1", content: "hi")])
        #expect(decoded.error == nil)
    }

    @Test func missingRequiredFieldFailsDecoding() {
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode(LoginRequest.self, from: Data(#"{"email":"a@b.c"}"#.utf8))
        }
    }

    @Test func registerIconIsOptional() throws {
        let body = #"{"email":"a@b.c","user":"u","passwd":"p","confirm":"p","varifycode":"1"}"#
        #expect(try JSONDecoder().decode(RegisterRequest.self, from: Data(body.utf8)).icon == nil)
    }

    @Test func errorCodesKeepTheOriginalValues() {
        let original: [(ErrorCode, Int)] = [
            (.success, 0), (.badJSON, 1001), (.rpcFailed, 1002), (.verifyExpired, 1003), (.verifyCodeWrong, 1004),
            (.userExists, 1005), (.passwordMismatch, 1006), (.emailNotMatch, 1007), (.passwordUpdateFailed, 1008),
            (.passwordInvalid, 1009), (.tokenInvalid, 1010), (.uidInvalid, 1011),
        ]
        for (code, value) in original { #expect(code.rawValue == value) }
        #expect(MessageID.chatLogin.rawValue == 1005 && MessageID.heartbeatResponse.rawValue == 1024)
    }
}

@Suite struct TextChatJSONTests {
    @Test(arguments: ["plain", "quote \" and back\\slash", "new\nline\r\ttab", "\u{01}\u{1f} control", "émoji 👋 中文", "", "/slash/"])
    func writesWhatJSONDecoderReadsBack(_ content: String) throws {
        let message = TextChatMessage(
            error: .success, fromuid: 7, touid: -3,
            textArray: [TextItem(msgid: "id-\(content)", content: content, seq: 42, time: 1_700_000_000_123), TextItem(msgid: "b", content: "x")])
        let body = TextChatJSON.encode(message)
        let decoded = try JSONDecoder().decode(TextChatMessage.self, from: Data(body.readableBytesView))
        #expect(decoded == message)
        #expect(try JSONSerialization.jsonObject(with: Data(body.readableBytesView)) is [String: Any])
    }

    @Test func leavesOutAbsentFieldsAsJSONEncoderDoes() throws {
        let message = TextChatMessage(fromuid: 1, touid: 2, textArray: [TextItem(msgid: "m", content: "c")])
        let text = String(buffer: TextChatJSON.encode(message))
        #expect(text == #"{"fromuid":1,"touid":2,"text_array":[{"msgid":"m","content":"c"}]}"#)
    }
}

@Suite struct TextChatRequestParserTests {
    static let bodies = [
        #"{"fromuid":1,"touid":2,"text_array":[{"msgid":"a","content":"hi"}]}"#,
        #" { "touid" : -2 , "fromuid":0, "text_array" : [ { "content":"x\"y\\z\/w\n\u00e9\ud83d\udc4b", "msgid":"m" } , {"msgid":"b","content":""} ] } "#,
        #"{"fromuid":1,"touid":2,"text_array":[]}"#,
        #"{"fromuid":9223372036854775807,"touid":-9223372036854775808,"text_array":[{"msgid":"a","content":"b"}]}"#,
        // Everything below must be left to JSONDecoder (the fast reader returns nil).
        #"{"fromuid":1.0,"touid":2,"text_array":[]}"#,
        #"{"fromuid":01,"touid":2,"text_array":[]}"#,
        #"{"fromuid":1,"fromuid":2,"touid":2,"text_array":[]}"#,
        #"{"fromuid":1,"touid":2,"text_array":[],"extra":true}"#,
        #"{"fromuid":1,"touid":2}"#,
        #"{"fromuid":1,"touid":2,"text_array":[{"msgid":"a"}]}"#,
        #"{"fromuid":1,"touid":2,"text_array":[{"msgid":"a","content":"\ud800"}]}"#,
        "{\"fromuid\":1,\"touid\":2,\"text_array\":[{\"msgid\":\"a\",\"content\":\"tab\traw\"}]}",
        #"{"fromuid":99999999999999999999,"touid":2,"text_array":[]}"#,
        #"{"fromuid":1,"touid":2,"text_array":[]} x"#,
        #"[1,2]"#, "", "{", #"{"fromuid":"1","touid":2,"text_array":[]}"#,
    ]

    @Test(arguments: bodies)
    func agreesWithJSONDecoderOrDefersToIt(_ text: String) throws {
        let body = ByteBuffer(string: text)
        let decoded = try? JSONDecoder().decode(TextChatMessage.self, from: Data(text.utf8))
        if let fast = TextChatRequestParser.parse(body) {
            #expect(fast == decoded, "fast reader disagrees with JSONDecoder on \(text)")
        }
    }

    @Test func readsThePlainShape() throws {
        let fast = try #require(TextChatRequestParser.parse(ByteBuffer(string: Self.bodies[1])))
        #expect(fast.touid == -2 && fast.textArray.map(\.content) == ["x\"y\\z/w\né👋", ""])
        #expect(TextChatRequestParser.parse(ByteBuffer(string: Self.bodies[4])) == nil)
        #expect(TextChatRequestParser.parse(ByteBuffer(string: Self.bodies[6])) == nil)
    }
}
