import FluxClient
import FluxProtocol
import Foundation
import Testing

/// A registered user logged in over HTTP and connected to the chat node, as a real client does it.
struct ChatUser: Sendable {
    let uid: Int64
    let name: String
    let email: String
    let password: String
    let token: String
    let client: ChatClient
    let login: ChatLoginResponse

    /// Registers `name`, logs in over HTTP, connects to the chat node it was given and logs in there
    /// (waiting for the end of the offline backlog).
    /// With `webSocket`, the chat connection is the node's WebSocket (the login's `ws` URL), as a browser's.
    static func signUp(_ flux: TestFlux, _ name: String, webSocket: Bool = false) async throws -> ChatUser {
        let email = "\(name)@example.com"
        try await register(flux, email: email, name: name, password: "pw-\(name)")
        return try await logIn(flux, name: name, email: email, password: "pw-\(name)", webSocket: webSocket)
    }

    /// HTTP login and chat login of an existing user on a new connection (TCP, or the WebSocket).
    static func logIn(
        _ flux: TestFlux, name: String, email: String, password: String, waitForBacklog: Bool = true, webSocket: Bool = false
    ) async throws -> ChatUser {
        let reply = try await flux.gate.post("user_login", ["email": email, "passwd": password])
        #expect(reply.error == 0, "HTTP login of \(name): \(reply.text)")
        let uid = Int64(try #require(reply["uid"] as? Int))
        let token = try #require(reply["token"] as? String)
        let host = try #require(reply["host"] as? String)
        let portText = try #require(reply["port"] as? String)
        let port = try #require(Int(portText))
        let client: ChatClient
        if webSocket {
            let url = try #require(reply["ws"] as? String, "the login names the node's WebSocket: \(reply.text)")
            client = try await ChatClient.connect(webSocket: url)
        } else {
            client = try await ChatClient.connect(host: host, port: port)
        }
        let login = try await client.request(.chatLogin, ChatLoginRequest(uid: uid, token: token), as: ChatLoginResponse.self)
        #expect(login.error == .success && login.uid == uid && login.name == name)
        if waitForBacklog {
            _ = try await client.next(.notifyBacklogDone)
        }
        return ChatUser(uid: uid, name: name, email: email, password: password, token: token, client: client, login: login)
    }

    /// A new connection that logs in again as this user.
    func reconnect(_ flux: TestFlux, waitForBacklog: Bool = true, webSocket: Bool = false) async throws -> ChatUser {
        try await ChatUser.logIn(flux, name: name, email: email, password: password, waitForBacklog: waitForBacklog, webSocket: webSocket)
    }

    /// Sends one text to `peer` and returns the 1018 (an error reply carries only `error`).
    @discardableResult
    func text(_ peer: ChatUser, _ content: String, msgid: String = UUID().uuidString) async throws -> TextChatMessage {
        try client.send(.textChat, TextChatMessage(fromuid: uid, touid: peer.uid, textArray: [TextItem(msgid: msgid, content: content)]))
        let frame = try await client.next(.textChatResponse)
        let error = try frame.decode(ErrorReply.self).error
        guard error == .success else { return TextChatMessage(error: error, fromuid: 0, touid: 0, textArray: []) }
        return try frame.decode(TextChatMessage.self)
    }
}

/// `a` asks `b`, `b` accepts: both are friends. Consumes the notices on both sides.
func makeFriends(_ a: ChatUser, _ b: ChatUser) async throws {
    let asked = try await a.client.request(
        .addFriend, AddFriendRequest(uid: a.uid, applyname: a.name, bakname: "\(b.name)-back", touid: b.uid), as: ErrorReply.self)
    #expect(asked.error == .success)
    _ = try await b.client.next(.notifyAddFriend)
    let accepted = try await b.client.request(
        .authFriend, AuthFriendRequest(fromuid: b.uid, touid: a.uid, back: "\(a.name)-back"), as: AuthFriendResponse.self)
    #expect(accepted.error == .success && accepted.uid == a.uid)
    _ = try await a.client.next(.notifyAuthFriend)
}
