import FluxClient
import FluxProtocol
import FluxTestSupport
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import NIOSSL
import Testing

/// Issue 13: what a hostile client can no longer do to `flux --role all`.
@Suite struct EdgeTests {
    static func json(_ text: String) -> [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] ?? [:]
    }

    /// `flux --role all` under a 1,024-descriptor limit while one client holds 1,100 half-sent requests: an
    /// honest HTTP login and its chat login still succeed. `flux bench flood` runs it in processes of its
    /// own: the flood's sockets must not be held by this test process, whose `Process.run` reads past a
    /// buffer when more than about 1,300 descriptors are open (swift-corelibs-foundation#5472; it crashed
    /// the suite). The login times are printed, not asserted (a loaded 2-core machine says nothing reliable
    /// about them); docs/benchmarks.md records them.
    @Test func stalledHTTPConnectionsCannotStarveLogins() async throws {
        let result = try await FluxProcess.runToEnd([
            "bench", "flood", "--stalled", "1100", "--flood-logins", "3", "--scrypt-log-n", "10", "--json",
        ])
        #expect(result.status == 0, "a login failed during the flood: \(result.errors)")
        let report = try BenchSmokeTests.report(result.output, "flood")
        #expect(report.figures["stalled connections opened"] == 1100)
        // Over the per-address cap (64) the flood is answered 503 and closed, not held.
        #expect((report.figures["closed by the server"] ?? 0) >= 1000, "\(report.figures)")
        #expect(report.figures["login (HTTP + chat) before the flood samples"] == 3)
        #expect(report.figures["login (HTTP + chat) during the flood samples"] == 3)
        print("edge: honest HTTP + chat login during the flood: max \(report.figures["login (HTTP + chat) during the flood max"] ?? -1) ms; "
            + "before it: max \(report.figures["login (HTTP + chat) before the flood max"] ?? -1) ms")
    }

    static func sendLogin(_ socket: RawSocket, email: String, passwd: String) {
        let body = #"{"email":"\#(email)","passwd":"\#(passwd)"}"#
        socket.send("POST /user_login HTTP/1.1\r\nHost: flux\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n"
            + "Connection: close\r\n\r\n\(body)")
    }

    @Test func parallelWrongPasswordsCheckAtMostTheLimitAndTheOwnerStillGetsIn() async throws {
        try await TestFlux.run { (flux: TestFlux) async throws in
            try await register(flux, email: "target@example.com", name: "target", password: "right")
            // 40 connections of their own, all open before any sends (URLSession would queue them on a few),
            // so the 40 tries really are in flight at once.
            let sockets = try (0..<40).map { _ in try RawSocket(port: flux.gate.port) }
            defer { sockets.forEach { $0.close() } }
            for socket in sockets { Self.sendLogin(socket, email: "target@example.com", passwd: "wrong") }
            let codes = await withTaskGroup(of: Int?.self) { group in
                for socket in sockets {
                    group.addTask {
                        guard let answer = await socket.readToClose(timeout: .seconds(30)) else { return nil }
                        return Self.json(String(answer[(answer.range(of: "\r\n\r\n")?.upperBound ?? answer.startIndex)...]))["error"] as? Int
                    }
                }
                return await group.reduce(into: [Int?]()) { $0.append($1) }
            }
            let checked = codes.filter { $0 == 1009 }.count
            #expect(checked <= 5, "passwords checked: \(checked) of 40 (limit 5)")
            #expect(codes.filter { $0 == 1012 }.count == 40 - checked)
            // The attacker's address is backing off; the owner, from an address that has not failed, logs in.
            #expect(try await flux.gate.post("user_login", ["email": "target@example.com", "passwd": "right"]).error == 1012)
            let owner = try await curl([
                "--interface", "127.0.0.2", "-d", #"{"email":"target@example.com","passwd":"right"}"#,
                "http://127.0.0.1:\(flux.gate.port)/user_login",
            ])
            #expect(Self.json(owner.output)["error"] as? Int == 0, "\(owner.output)")
        }
    }

    @Test func everyChatLimitAnswers1012AndTheConnectionStaysUsable() async throws {
        let limits = ["FLUX_CHAT_TEXTS_PER_SECOND": "3", "FLUX_CHAT_FRIEND_REQUESTS_PER_HOUR": "1", "FLUX_CHAT_SEARCHES_PER_MINUTE": "1"]
        // The limits' windows (a second, a minute, an hour) move only when the test moves them, so no two
        // requests of the test fall on either side of a window's end, however slow the machine.
        let time = ManualTime()
        try await TestFlux.run(environment: limits, time: time) { (flux: TestFlux) async throws in
            let ada = try await ChatUser.signUp(flux, "lada")
            let bo = try await ChatUser.signUp(flux, "lbo")
            let cy = try await ChatUser.signUp(flux, "lcy")
            try await makeFriends(ada, bo)  // ada's one friend request this hour
            let second = try await ada.client.request(.addFriend, AddFriendRequest(applyname: "a", bakname: "c", touid: cy.uid), as: ErrorReply.self)
            #expect(second.error == .rateLimited)
            // Four texts at once are over three a second; the next second, three are not.
            func texts(_ count: Int) throws {
                try ada.client.send(.textChat, TextChatMessage(fromuid: ada.uid, touid: bo.uid, textArray: (0..<count).map { TextItem(msgid: "t\(count)-\($0)", content: "x") }))
            }
            try texts(4)
            #expect(try await ada.client.next(.textChatResponse, as: ErrorReply.self).error == .rateLimited)
            time.advance(by: .seconds(1))
            try texts(3)
            #expect(try await ada.client.next(.textChatResponse, as: ErrorReply.self).error == .success)
            #expect(try await ada.client.request(.searchUser, SearchUserRequest(uid: "\(cy.uid)"), as: ErrorReply.self).error == .success)
            #expect(try await ada.client.request(.searchUser, SearchUserRequest(uid: "\(cy.uid)"), as: ErrorReply.self).error == .rateLimited)
            #expect(try await ada.client.request(.heartbeat, HeartbeatRequest(), as: ErrorReply.self).error == .success)
            #expect(try await ada.client.request(.history, HistoryRequest(peer: bo.uid, limit: 10), as: ErrorReply.self).error == .success)
            // The next minute, a search is answered again.
            time.advance(by: .seconds(60))
            #expect(try await ada.client.request(.searchUser, SearchUserRequest(uid: "\(cy.uid)"), as: ErrorReply.self).error == .success)
        }
    }

    @Test func newConnectionsPerAddressAreLimited() async throws {
        // The one-second window moves only when the test moves it: all eight connections fall in one
        // window however loaded the machine is.
        let time = ManualTime()
        try await TestFlux.run(environment: ["FLUX_CHAT_CONNECTIONS_PER_ADDRESS_PER_SECOND": "2"], time: time) { (flux: TestFlux) async throws in
            let port = try #require(flux.chatPort)
            let clients = try await withThrowingTaskGroup(of: ChatClient.self) { group in
                for _ in 0..<8 { group.addTask { try await ChatClient.connect(host: "127.0.0.1", port: port) } }
                return try await group.reduce(into: [ChatClient]()) { $0.append($1) }
            }
            // Each connection says which it is: a refused one got 1117 and closes; an admitted one answers
            // a heartbeat before login with 1024 {error:1017}.
            var refused = 0
            for client in clients {
                try? client.send(.heartbeat, HeartbeatRequest())
                let first = try await client.next(timeout: .seconds(10))
                if first.id == .notifyError {
                    #expect(try first.decode(ErrorNotice.self).error == .rateLimited)
                    refused += 1
                    #expect(await client.waitForClose())
                } else {
                    #expect(first.id == .heartbeatResponse)
                }
            }
            #expect(refused == 6, "8 connections in one second, 2 allowed: \(refused) refused")
            // The next second, the address may connect again.
            time.advance(by: .seconds(1))
            let later = try await ChatClient.connect(host: "127.0.0.1", port: port)
            try later.send(.heartbeat, HeartbeatRequest())
            #expect(try await later.next(timeout: .seconds(10)).id == .heartbeatResponse)

            await later.close()
            for client in clients { await client.close() }
        }
    }

    @Test func stalledAndOversizedRequestsAreClosed() async throws {
        let environment = ["FLUX_CHAT_LOGIN_TIMEOUT": "0.5", "FLUX_GATE_HEADER_TIMEOUT": "0.5", "FLUX_GATE_MAX_BODY_BYTES": "256"]
        try await TestFlux.run(environment: environment) { (flux: TestFlux) async throws in
            // A chat connection that never logs in is closed after the login timeout.
            let silent = try await ChatClient.connect(host: "127.0.0.1", port: try #require(flux.chatPort))
            #expect(await silent.waitForClose(timeout: .seconds(30)), "a connection that never logs in is held past the login timeout")
            // Half a request head is closed after the header timeout.
            let slow = "POST /user_login HTTP/1.1\r\nHost: flux\r\n"
            #expect(try await RawSocket.answerBeforeClose(port: flux.gate.port, sending: slow) != nil, "a stalled request head is not held")
            // An oversized body gets 413 and the connection closes instead of reading on.
            let big = "POST /user_login HTTP/1.1\r\nHost: flux\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n"
                + String(repeating: "x", count: 2000)
            let answer = try await RawSocket.answerBeforeClose(port: flux.gate.port, sending: big)
            #expect(answer?.hasPrefix("HTTP/1.1 413") == true, "\(answer ?? "still open")")
            // Every answer says nosniff and no-store.
            let headers = try await curl(["-i", "-d", "{}", "http://127.0.0.1:\(flux.gate.port)/user_login"]).output.lowercased()
            #expect(headers.contains("x-content-type-options: nosniff") && headers.contains("cache-control: no-store"), "\(headers)")
        }
    }

    @Test func httpsLoginAndATLSChatRoundTrip() async throws {
        let pki = try TestPKI.make()
        let environment = [
            "FLUX_GATE_TLS_CERT": pki.cert, "FLUX_GATE_TLS_KEY": pki.key, "FLUX_CHAT_TLS_CERT": pki.cert, "FLUX_CHAT_TLS_KEY": pki.key,
        ]
        try await TestFlux.run(environment: environment) { (flux: TestFlux) async throws in
            let base = "https://127.0.0.1:\(flux.gate.port)"
            func post(_ path: String, _ body: String) async throws -> [String: Any] {
                Self.json(try await curl(["--cacert", pki.ca, "-d", body, "\(base)/\(path)"]).output)
            }
            #expect(try await post("get_varifycode", #"{"email":"tls@example.com"}"#)["error"] as? Int == 0)
            let code = try await flux.outbox.code(for: "tls@example.com")
            let registered = try await post("user_register", #"{"email":"tls@example.com","user":"tls","passwd":"pw","confirm":"pw","icon":"","varifycode":"\#(code)"}"#)
            #expect(registered["error"] as? Int == 0)
            let login = try await post("user_login", #"{"email":"tls@example.com","passwd":"pw"}"#)
            #expect(login["error"] as? Int == 0)
            // Plain HTTP to the HTTPS port gets nowhere.
            #expect(Self.json(try await curl(["-d", "{}", "http://127.0.0.1:\(flux.gate.port)/user_login"]).output)["error"] == nil)

            var trust = TLSConfiguration.makeClientConfiguration()
            trust.trustRoots = .file(pki.ca)
            trust.certificateVerification = .noHostnameVerification
            let chat = try await ChatClient.connect(host: "127.0.0.1", port: try #require(flux.chatPort), tls: try NIOSSLContext(configuration: trust))
            let uid = Int64(try #require(login["uid"] as? Int))
            let reply = try await chat.request(.chatLogin, ChatLoginRequest(uid: uid, token: try #require(login["token"] as? String)), as: ErrorReply.self)
            #expect(reply.error == .success)
            #expect(try await chat.request(.heartbeat, HeartbeatRequest(), as: ErrorReply.self).error == .success)
            await chat.close()
        }
    }
}
