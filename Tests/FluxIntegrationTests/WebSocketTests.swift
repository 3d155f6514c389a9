import FluxTestSupport
import FluxClient
import FluxProtocol
import Foundation
import Synchronization
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing

/// Issue 14: the chat protocol over WebSocket, one session type for both framings.
@Suite struct WebSocketTests {
    @Test func tcpAndWebSocketUsersTalkAndALoginOnEitherKicksTheOther() async throws {
        try await TestFlux.run { (flux: TestFlux) async throws in
            let tcp = try await ChatUser.signUp(flux, "wstcp")
            let web = try await ChatUser.signUp(flux, "wsweb", webSocket: true)
            try await makeFriends(tcp, web)

            let sent = try await tcp.text(web, "hello browser")
            #expect(sent.error == .success)
            let live = try await web.client.next(.notifyTextChat, as: TextChatMessage.self)
            #expect(live.fromuid == tcp.uid && live.textArray.map(\.content) == ["hello browser"])
            let answer = try await web.text(tcp, "hello terminal ✓")
            #expect(answer.error == .success && answer.textArray.first?.seq == 2)
            let back = try await tcp.client.next(.notifyTextChat, as: TextChatMessage.self)
            #expect(back.fromuid == web.uid && back.textArray.map(\.content) == ["hello terminal ✓"])

            // History, receipts and presence over the WebSocket are the same messages.
            let history = try await web.client.request(.history, HistoryRequest(peer: tcp.uid, limit: 10), as: HistoryResponse.self)
            #expect(history.error == .success && history.messages.map(\.content) == ["hello browser", "hello terminal ✓"])
            let receipt = try await web.client.request(.receipt, ReceiptMessage(peer: tcp.uid, seq: 1, kind: .read), as: ReceiptMessage.self)
            #expect(receipt.error == .success)
            let read = try await tcp.client.next(.notifyReceipt, as: ReceiptNotice.self)
            #expect(read.fromuid == web.uid && read.seq == 1 && read.kind == .read)
            // A page loaded anew carries the peer's receipts of your messages.
            let seen = try await tcp.client.request(.history, HistoryRequest(peer: web.uid, limit: 10), as: HistoryResponse.self)
            #expect(seen.peerRead == 1 && seen.peerDelivered == 1, "tcp's view: web read seq 1")
            #expect(history.peerRead == 0 && history.peerDelivered == 0, "web's view: tcp sent no receipt")

            // A TCP login of the WebSocket user replaces it (1021), and a WebSocket login of the TCP user
            // replaces that one.
            let webAgain = try await web.reconnect(flux)
            let kicked = try await web.client.next(.notifyOffline, as: OfflineNotice.self)
            #expect(kicked.uid == web.uid)
            #expect(await web.client.waitForClose())
            let tcpAgain = try await tcp.reconnect(flux, webSocket: true)
            #expect(try await tcp.client.next(.notifyOffline, as: OfflineNotice.self).uid == tcp.uid)
            #expect(await tcp.client.waitForClose())

            // The new sessions (now TCP ↔ WebSocket the other way round) still talk.
            #expect(try await tcpAgain.text(webAgain, "swapped").error == .success)
            // (Texts written to the replaced session less than half a second ago may come again first.)
            var swapped: [String] = []
            while !swapped.contains("swapped") {
                swapped += try await webAgain.client.next(.notifyTextChat, as: TextChatMessage.self).textArray.map(\.content)
            }
            #expect(Set(swapped).isSubset(of: ["hello browser", "swapped"]))
            await webAgain.client.close()
            await tcpAgain.client.close()
        }
    }

    @Test func anOfflineWebSocketUserGetsTheBacklogAtLogin() async throws {
        try await TestFlux.run { (flux: TestFlux) async throws in
            let tcp = try await ChatUser.signUp(flux, "wsbtcp")
            let web = try await ChatUser.signUp(flux, "wsbweb", webSocket: true)
            try await makeFriends(tcp, web)
            await web.client.close()
            for index in 1...3 { #expect(try await tcp.text(web, "missed \(index)").error == .success) }
            let again = try await web.reconnect(flux, waitForBacklog: false, webSocket: true)
            var contents: [String] = []
            while contents.count < 3 {
                contents += try await again.client.next(.notifyTextChat, as: TextChatMessage.self).textArray.map(\.content)
            }
            #expect(contents == ["missed 1", "missed 2", "missed 3"])
            _ = try await again.client.next(.notifyBacklogDone)
        }
    }

    @Test func badInputOverWebSocketIsAnsweredAndOtherSessionsAreUnaffected() async throws {
        try await TestFlux.run(environment: ["FLUX_CHAT_MAX_BODY_BYTES": "1024"]) { (flux: TestFlux) async throws in
            let ada = try await ChatUser.signUp(flux, "wsada", webSocket: true)
            let bo = try await ChatUser.signUp(flux, "wsbo")
            try await makeFriends(ada, bo)
            let (raw, uid) = try await Self.rawLogin(flux, "wsraw")
            defer { raw.close() }

            raw.send(opcode: 2, Array("{\"id\":1023,\"body\":{}}".utf8))
            var notice = try #require(try await raw.nextEnvelope())
            #expect(notice.id == 1117 && notice.body["error"] as? Int == 1001)
            #expect((notice.body["reason"] as? String ?? "").contains("binary"))

            raw.send(text: "this is not JSON")
            notice = try #require(try await raw.nextEnvelope())
            #expect(notice.id == 1117 && notice.body["error"] as? Int == 1001 && notice.body["msgid"] as? Int == 0)

            raw.send(text: #"{"id":"1023","body":{}}"#)
            notice = try #require(try await raw.nextEnvelope())
            #expect(notice.id == 1117 && notice.body["error"] as? Int == 1001)

            raw.send(text: #"{"id":1007,"body":"not an object"}"#)
            notice = try #require(try await raw.nextEnvelope())
            #expect(notice.id == 1008 && notice.body["error"] as? Int == 1001)

            raw.send(text: #"{"id":4242,"body":{}}"#)
            notice = try #require(try await raw.nextEnvelope())
            #expect(notice.id == 1117 && notice.body["error"] as? Int == 1016 && notice.body["msgid"] as? Int == 4242)

            // A body over the limit (the envelope is read whole, so the connection stays usable).
            let big = String(repeating: "x", count: 1100)
            raw.send(text: #"{"id":1023,"body":{"pad":"\#(big)"}}"#)
            notice = try #require(try await raw.nextEnvelope())
            #expect(notice.id == 1117 && notice.body["error"] as? Int == 1013 && notice.body["msgid"] as? Int == 1023)

            // The connection still works, and other sessions never noticed.
            raw.send(text: #"{"id":1023,"body":{"fromuid":\#(uid)}}"#)
            notice = try #require(try await raw.nextEnvelope())
            #expect(notice.id == 1024 && notice.body["error"] as? Int == 0)
            #expect(try await ada.text(bo, "still fine").error == .success)
            #expect(try await bo.client.next(.notifyTextChat, as: TextChatMessage.self).textArray.first?.content == "still fine")

            // A message far over the limit is refused by the WebSocket layer: close 1009, connection gone.
            raw.send(text: #"{"id":1023,"body":{"pad":"\#(String(repeating: "y", count: 4000))"}}"#)
            var closeCode: Int?
            while let message = try await raw.next() {
                if message.opcode == 8 { closeCode = message.closeCode }
            }
            #expect(closeCode == 1009, "close code for an oversized message: \(String(describing: closeCode))")
            #expect(try await bo.text(ada, "after the refusal").error == .success)
            #expect(try await ada.client.next(.notifyTextChat, as: TextChatMessage.self).textArray.first?.content == "after the refusal")
        }
    }

    @Test func foreignOriginsOtherPathsAndPlainRequestsAreRefused() async throws {
        try await TestFlux.run(environment: ["FLUX_CHAT_WS_ALLOWED_ORIGINS": "https://app.example"]) { (flux: TestFlux) async throws in
            // Two users chatting, one on each framing, before and after the refusals.
            let ada = try await ChatUser.signUp(flux, "wsoada", webSocket: true)
            let bo = try await ChatUser.signUp(flux, "wsobo")
            try await makeFriends(ada, bo)
            #expect(try await ada.text(bo, "before").error == .success)
            #expect(try await bo.client.next(.notifyTextChat, as: TextChatMessage.self).textArray.first?.content == "before")
            _ = await ada.client.drain() + (await bo.client.drain())

            _ = try await register(flux, email: "wsorigin@example.com", name: "wsorigin", password: "pw")
            let login = try await flux.gate.post("user_login", ["email": "wsorigin@example.com", "passwd": "pw"])
            let url = try #require(login["ws"] as? String)
            let port = try #require(WebSocketTarget(url: url)?.port)
            #expect(url == "ws://127.0.0.1:\(port)/ws")

            let foreign = try await RawWebSocket(port: port, origin: "https://evil.example")
            #expect(foreign.response.hasPrefix("HTTP/1.1 403"), "\(foreign.response)")
            foreign.close()
            await #expect(throws: WebSocketHandshakeError.self) { _ = try await ChatClient.connect(webSocket: url, origin: "https://evil.example") }
            let otherPath = try await RawWebSocket(port: port, path: "/chat", origin: "https://app.example")
            #expect(otherPath.response.hasPrefix("HTTP/1.1 404"), "\(otherPath.response)")
            otherPath.close()
            let plain = try RawSocket(port: port)
            plain.send("GET /ws HTTP/1.1\r\nHost: x\r\n\r\n")
            let answer = await plain.readToClose(timeout: .seconds(5)) ?? ""
            #expect(answer.hasPrefix("HTTP/1.1 426"), "\(answer)")
            plain.close()

            let allowed = try await RawWebSocket(port: port, origin: "https://app.example")
            #expect(allowed.upgraded, "\(allowed.response)")
            allowed.close()
            let noOrigin = try await RawWebSocket(port: port)
            #expect(noOrigin.upgraded, "a client that is not a browser sends no Origin: \(noOrigin.response)")
            noOrigin.close()

            // The refusals touched no session: both still talk, both ways, and nothing else arrived.
            #expect(try await bo.text(ada, "after").error == .success)
            #expect(try await ada.client.next(.notifyTextChat, as: TextChatMessage.self).textArray.first?.content == "after")
            #expect(try await ada.text(bo, "and back").error == .success)
            #expect(try await bo.client.next(.notifyTextChat, as: TextChatMessage.self).textArray.first?.content == "and back")
            let stray = await ada.client.drain() + (await bo.client.drain())
            #expect(stray.isEmpty, "no notices from the refused attempts: \(stray.map(\.id))")
            await ada.client.close()
            await bo.client.close()
        }
    }

    @Test func pingsAndHeartbeatsKeepAWebSocketOpenAndSilenceClosesIt() async throws {
        let environment = ["FLUX_CHAT_IDLE_TIMEOUT": "3", "FLUX_CHAT_LOGIN_TIMEOUT": "2"]
        // The server's log, to tell why a connection closed when one that should not does.
        let logs = CapturedLogs()
        try await TestFlux.run(environment: environment, logs: logs) { (flux: TestFlux) async throws in
            // The slow part (registration, HTTP login) first, so the three sessions start together.
            let logins = [try await Self.httpLogin(flux, "wsping"), try await Self.httpLogin(flux, "wsbeat"), try await Self.httpLogin(flux, "wssilent")]
            let pinging = try await Self.openSession(logins[0])
            let beating = try await Self.openSession(logins[1])
            let beatingUID = logins[1].uid
            let silent = try await Self.openSession(logins[2])
            defer { for socket in [pinging, beating, silent] { socket.close() } }

            // One client pings, one sends 1023, every 250 ms until told to stop: the silent one, opened
            // last, is closed by a sweep that finds these two older ones busy.
            // On a thread of its own: a busy cooperative pool (the parallel suite) must not delay it.
            let stop = DispatchSemaphore(value: 0)
            let stopped = Atomic<Bool>(false)
            var stopSignalled = false
            defer { if !stopSignalled { stop.signal() } }
            Thread.detachNewThread {
                repeat {
                    pinging.send(opcode: 9, Array("ka".utf8))
                    beating.send(text: #"{"id":1023,"body":{"fromuid":\#(beatingUID)}}"#)
                } while stop.wait(timeout: .now() + .milliseconds(250)) == .timedOut
                stopped.store(true, ordering: .relaxed)
            }
            // A request that never completes its upgrade is closed too (after the login timeout).
            let stalled = try RawSocket(port: logins[0].port)
            defer { stalled.close() }
            stalled.send("GET /ws HTTP/1.1\r\nHost: x\r\n")
            #expect(await Self.waitForClose(silent, timeout: .seconds(20)), "a silent WebSocket is closed after the idle timeout")
            #expect(await stalled.readToClose(timeout: .seconds(5)) != nil, "a stalled upgrade request is closed")
            stop.signal()
            stopSignalled = true
            _ = await eventually { stopped.load(ordering: .relaxed) }

            // Both kept their connections: every ping got its pong, every 1023 its 1024, and they still answer.
            pinging.send(text: #"{"id":1023,"body":{}}"#)
            var pongs = 0
            while let message = try await pinging.next(), message.opcode != 1 {
                if message.opcode == 10, message.text == "ka" { pongs += 1 }
            }
            #expect(pongs > 0 && !pinging.closed, "pings were answered with pongs and kept the connection (\(pongs) pongs, closed: \(pinging.closed)); server log:\n\(logs.lines.joined(separator: "\n"))")
            beating.send(text: #"{"id":1023,"body":{"fromuid":0,"last":true}}"#)
            var beats = 0
            while let envelope = try await beating.nextEnvelope(timeout: .seconds(2)), envelope.id == 1024 { beats += 1 }
            #expect(beats > 1 && !beating.closed, "heartbeats were answered and kept the connection (\(beats) answers); server log:\n\(logs.lines.joined(separator: "\n"))")
        }
    }

    /// Whether the server closed `socket` (a close message, or the connection ending) within `timeout`.
    static func waitForClose(_ socket: RawWebSocket, timeout: Duration) async -> Bool {
        let started = ContinuousClock.now
        while started.duration(to: .now) < timeout {
            let message = try? await socket.next(timeout: .milliseconds(300))
            if message?.opcode == 8 || socket.closed { return true }
        }
        return false
    }

    @Test func theWebClientIsServedWithETagsAndAStrictPolicy() async throws {
        let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Sources/FluxGate/Web")
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { !$0.hasPrefix(".") }.sorted()
        #expect(files.contains("index.html") && files.contains("app.js"))
        try await TestFlux.run { (flux: TestFlux) async throws in
            let base = "http://127.0.0.1:\(flux.gate.port)"
            for file in files + ["/"] {
                let path = file == "/" ? "/" : "/" + file
                let local = try Data(contentsOf: folder.appendingPathComponent(file == "/" ? "index.html" : file))
                let (data, response) = try await URLSession.shared.data(from: URL(string: base + path)!)
                let http = try #require(response as? HTTPURLResponse)
                #expect(http.statusCode == 200 && data == local, "\(path) is served as it is in the repository")
                let etag = try #require(http.value(forHTTPHeaderField: "ETag"), "\(path) has an ETag")
                #expect(http.value(forHTTPHeaderField: "Content-Security-Policy") == Self.contentSecurityPolicy, "\(path)")
                #expect(http.value(forHTTPHeaderField: "Referrer-Policy") == "no-referrer")
                #expect(http.value(forHTTPHeaderField: "X-Content-Type-Options") == "nosniff")
                let revalidated = try await curl(["-o", "/dev/null", "-w", "%{http_code}", "-H", "If-None-Match: \(etag)", base + path])
                #expect(revalidated.output == "304", "\(path) with its ETag is not sent again")
            }
            let index = try await URLSession.shared.data(from: URL(string: base + "/")!)
            #expect((index.1 as? HTTPURLResponse)?.value(forHTTPHeaderField: "Content-Type")?.hasPrefix("text/html") == true)
            let unknown = try await flux.gate.get("nope.js")
            #expect(unknown.status == 404)
        }
    }

    /// The web client's policy, spelled out: its own scripts, styles and images only, no inline code, no
    /// plugins, forms or framing; connections to the gate and to chat nodes' WebSockets (any host: the
    /// nodes are not known when the page loads).
    static let contentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        + "connect-src 'self' ws: wss:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

    /// A user registered and logged in over HTTP whose chat connection is a `RawWebSocket`.
    static func rawLogin(_ flux: TestFlux, _ name: String) async throws -> (RawWebSocket, Int64) {
        let login = try await httpLogin(flux, name)
        return (try await openSession(login), login.uid)
    }

    struct HTTPLogin {
        var uid: Int64
        var token: String
        var port: Int
    }

    /// Registers `name` and logs in over HTTP: the uid, token and WebSocket port to chat with.
    static func httpLogin(_ flux: TestFlux, _ name: String) async throws -> HTTPLogin {
        _ = try await register(flux, email: "\(name)@example.com", name: name, password: "pw")
        let login = try await flux.gate.post("user_login", ["email": "\(name)@example.com", "passwd": "pw"])
        let uid = Int64(try #require(login["uid"] as? Int))
        let token = try #require(login["token"] as? String)
        let url = try #require(login["ws"] as? String)
        let port = try #require(WebSocketTarget(url: url)?.port)
        return HTTPLogin(uid: uid, token: token, port: port)
    }

    /// A `RawWebSocket` logged in (1005 → 1006) with the backlog done (1103).
    static func openSession(_ login: HTTPLogin) async throws -> RawWebSocket {
        let socket = try await RawWebSocket(port: login.port)
        #expect(socket.upgraded, "\(socket.response)")
        socket.send(text: #"{"id":1005,"body":{"uid":\#(login.uid),"token":"\#(login.token)"}}"#)
        let reply = try #require(try await socket.nextEnvelope())
        #expect(reply.id == 1006 && reply.body["error"] as? Int == 0, "\(reply)")
        while let next = try await socket.nextEnvelope(), next.id != 1103 {}
        return socket
    }
}
