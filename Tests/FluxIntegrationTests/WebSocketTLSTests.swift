import FluxClient
import FluxProtocol
import FluxTestSupport
import Foundation
import NIOSSL
import Testing

/// Issue 14 with TLS on the chat node (`chat.tls_cert`): the login names a `wss://` URL, and the chat
/// protocol works over WebSocket over TLS, also with a TCP-over-TLS user.
@Suite struct WebSocketTLSTests {
    @Test func aTLSChatNodeAnswersWithWSSAndChatsOverIt() async throws {
        let pki = try TestPKI.make()
        try await TestFlux.run(environment: ["FLUX_CHAT_TLS_CERT": pki.cert, "FLUX_CHAT_TLS_KEY": pki.key]) { (flux: TestFlux) async throws in
            var trust = TLSConfiguration.makeClientConfiguration()
            trust.trustRoots = .file(pki.ca)
            trust.certificateVerification = .noHostnameVerification
            let tls = try NIOSSLContext(configuration: trust)

            let web = try await Self.signUp(flux, "wssweb", tls: tls, webSocket: true)
            let url = try #require(web.url)
            let target = try #require(WebSocketTarget(url: url))
            #expect(url == "wss://127.0.0.1:\(target.port)/ws" && target.secure, "a TLS node's login says wss: \(url)")
            #expect(target.port != flux.chatPort, "the WebSocket has its own listener")
            let tcp = try await Self.signUp(flux, "wsstcp", tls: tls, webSocket: false)
            try await makeFriends(web.user, tcp.user)

            #expect(try await web.user.text(tcp.user, "over wss").error == .success)
            #expect(try await tcp.user.client.next(.notifyTextChat, as: TextChatMessage.self).textArray.first?.content == "over wss")
            #expect(try await tcp.user.text(web.user, "over TLS, back").error == .success)
            #expect(try await web.user.client.next(.notifyTextChat, as: TextChatMessage.self).textArray.first?.content == "over TLS, back")
            let history = try await web.user.client.request(.history, HistoryRequest(peer: tcp.user.uid, limit: 10), as: HistoryResponse.self)
            #expect(history.messages.map(\.content) == ["over wss", "over TLS, back"])

            // No plaintext upgrade on the TLS port, and the origin policy holds over TLS too.
            let plain = try await RawWebSocket(port: target.port)
            #expect(!plain.upgraded, "a plain-text upgrade on the wss port: \(plain.response)")
            plain.close()
            await #expect(throws: WebSocketHandshakeError.self) {
                _ = try await ChatClient.connect(webSocket: url, origin: "https://evil.example", tls: tls)
            }
            // A client that does not trust the node's certificate gets no session.
            await #expect(throws: (any Error).self) {
                _ = try await ChatClient.connect(webSocket: url, tls: try NIOSSLContext(configuration: .makeClientConfiguration()))
            }
            #expect(try await web.user.text(tcp.user, "still here").error == .success)
            #expect(try await tcp.user.client.next(.notifyTextChat, as: TextChatMessage.self).textArray.first?.content == "still here")
            await web.user.client.close()
            await tcp.user.client.close()
        }
    }

    /// Registers and logs in `name` over HTTP, then on the chat node over TLS: its WebSocket (`ws` of the
    /// login) or its TCP port. Returns the user and the login's `ws` URL.
    static func signUp(_ flux: TestFlux, _ name: String, tls: NIOSSLContext, webSocket: Bool) async throws -> (user: ChatUser, url: String?) {
        let email = "\(name)@example.com"
        try await register(flux, email: email, name: name, password: "pw")
        let reply = try await flux.gate.post("user_login", ["email": email, "passwd": "pw"])
        let uid = Int64(try #require(reply["uid"] as? Int))
        let token = try #require(reply["token"] as? String)
        let url = reply["ws"] as? String
        let client = webSocket
            ? try await ChatClient.connect(webSocket: try #require(url), tls: tls)
            : try await ChatClient.connect(host: "127.0.0.1", port: try #require(flux.chatPort), tls: tls)
        let login = try await client.request(.chatLogin, ChatLoginRequest(uid: uid, token: token), as: ChatLoginResponse.self)
        #expect(login.error == .success && login.uid == uid)
        _ = try await client.next(.notifyBacklogDone)
        return (ChatUser(uid: uid, name: name, email: email, password: "pw", token: token, client: client, login: login), url)
    }
}
