import FluxClient
import FluxProtocol
import FluxTestSupport
import Foundation
import Testing

/// Issue 13, connection hygiene: the gate's body and keep-alive deadlines, and the connection caps of the
/// gate and the chat listener, each with limits small enough to keep the tests fast. Every deadline not
/// under test is long, so only the one under test can close a connection.
@Suite struct ConnectionHygieneTests {
    static let patientGate = ["FLUX_GATE_HEADER_TIMEOUT": "600", "FLUX_GATE_BODY_TIMEOUT": "600", "FLUX_GATE_KEEPALIVE_TIMEOUT": "600"]
    /// Chat connections that never log in stay, and the new-connection rate limit stays out of the way.
    static let patientChat = [
        "FLUX_CHAT_LOGIN_TIMEOUT": "600", "FLUX_CHAT_IDLE_TIMEOUT": "600", "FLUX_CHAT_CONNECTIONS_PER_ADDRESS_PER_SECOND": "1000000",
    ]

    @Test func aStalledBodyIsClosedAfterTheBodyTimeout() async throws {
        try await TestFlux.run(environment: Self.patientGate.merging(["FLUX_GATE_BODY_TIMEOUT": "0.5"]) { $1 }) { (flux: TestFlux) async throws in
            // The head is complete; the body announces 64 bytes and stops after 9.
            let stalled = "POST /user_login HTTP/1.1\r\nHost: flux\r\nContent-Type: application/json\r\nContent-Length: 64\r\n\r\n{\"email\":"
            #expect(try await RawSocket.answerBeforeClose(port: flux.gate.port, sending: stalled, timeout: .seconds(60)) != nil, "a stalled body is held open")
            // Others are still served.
            let next = try RawSocket(port: flux.gate.port)
            defer { next.close() }
            #expect(await next.healthz())
        }
    }

    @Test func anIdleKeptAliveConnectionIsClosedAfterTheKeepAliveTimeout() async throws {
        try await TestFlux.run(environment: Self.patientGate.merging(["FLUX_GATE_KEEPALIVE_TIMEOUT": "0.5"]) { $1 }) { (flux: TestFlux) async throws in
            let socket = try RawSocket(port: flux.gate.port)
            defer { socket.close() }
            // Two requests in one go: both answered on the one connection (it is kept alive), then it idles.
            socket.send("GET /healthz HTTP/1.1\r\nHost: flux\r\n\r\nGET /healthz HTTP/1.1\r\nHost: flux\r\n\r\n")
            let answers = await socket.readToClose(timeout: .seconds(60))
            #expect(answers != nil, "an idle kept-alive connection is held open")
            #expect(answers?.components(separatedBy: "HTTP/1.1 200").count == 3, "\(answers ?? "")")
        }
    }

    @Test func aResponseBeforeItsBodyEndsStillLeavesTheConnectionADeadline() async throws {
        try await TestFlux.run(environment: Self.patientGate.merging(["FLUX_GATE_KEEPALIVE_TIMEOUT": "0.5"]) { $1 }) { (flux: TestFlux) async throws in
            let socket = try RawSocket(port: flux.gate.port)
            defer { socket.close() }
            // An unknown path is answered 404 without reading the body; the body's end comes after the answer.
            socket.send("POST /nowhere HTTP/1.1\r\nHost: flux\r\nContent-Length: 10\r\n\r\n12345")
            let answer = await socket.readResponse()
            #expect(answer?.hasPrefix("HTTP/1.1 404") == true, "\(answer ?? "no answer")")
            socket.send("67890")
            #expect(await socket.readToClose(timeout: .seconds(60)) != nil, "the connection is held open without a deadline")
        }
    }

    @Test func theGateTotalCapRefusesWith503AndServesThoseAdmitted() async throws {
        try await TestFlux.run(environment: Self.patientGate.merging(["FLUX_GATE_MAX_CONNECTIONS": "3"]) { $1 }) { (flux: TestFlux) async throws in
            let port = flux.gate.port
            // Three connections, each surely admitted (it was answered) before the next opens, kept alive.
            var held: [RawSocket] = []
            defer { held.forEach { $0.close() } }
            for _ in 0..<3 {
                held.append(try RawSocket(port: port))
                #expect(await held[held.count - 1].healthz())
            }
            // A fourth, even from another address, reads a 503 with 1012 and is closed.
            let over = try RawSocket(port: port, from: "127.0.0.2")
            defer { over.close() }
            let refusal = await over.readToClose(timeout: .seconds(60))
            #expect(refusal?.hasPrefix("HTTP/1.1 503") == true && refusal?.hasSuffix(#"{"error":1012}"#) == true, "\(refusal ?? "held open")")
            // Those admitted are still served.
            for socket in held { #expect(await socket.healthz()) }
            // One leaves; a new connection is admitted in its place.
            held.removeFirst().close()
            #expect(await eventually(every: .milliseconds(100)) {
                guard let socket = try? RawSocket(port: port, from: "127.0.0.2") else { return false }
                defer { socket.close() }
                return await socket.healthz()
            }, "the cap is not given back when a connection closes")
        }
    }

    @Test func theChatTotalCapRefusesWith1012AndServesThoseAdmitted() async throws {
        try await TestFlux.run(environment: Self.patientChat.merging(["FLUX_CHAT_MAX_CONNECTIONS": "2"]) { $1 }) { (flux: TestFlux) async throws in
            let port = try #require(flux.chatPort)
            let ada = try await ChatUser.signUp(flux, "capada")
            let other = try #require(await Self.admitted(port: port), "the second connection is refused")
            // A third, even from another address, reads 1117 with 1012 and is closed.
            try await Self.expectRefused(try await ChatClient.connect(host: "127.0.0.1", port: port, from: "127.0.0.2"))
            // Those admitted are still served.
            #expect(try await ada.client.request(.heartbeat, HeartbeatRequest(), as: ErrorReply.self).error == .success)
            #expect(try await other.request(.heartbeat, HeartbeatRequest(), as: ErrorReply.self).error == .notLoggedIn)
            // One leaves; a new connection is admitted in its place.
            await other.close()
            #expect(await eventually(every: .milliseconds(100)) {
                guard let client = await Self.admitted(port: port, from: "127.0.0.2") else { return false }
                await client.close()
                return true
            }, "the cap is not given back when a connection closes")
            await ada.client.close()
        }
    }

    @Test func theChatPerAddressCapRefusesThatAddressOnly() async throws {
        try await TestFlux.run(environment: Self.patientChat.merging(["FLUX_CHAT_MAX_CONNECTIONS_PER_ADDRESS": "2"]) { $1 }) {
            (flux: TestFlux) async throws in
            let port = try #require(flux.chatPort)
            let first = try #require(await Self.admitted(port: port), "the first connection is refused")
            let second = try #require(await Self.admitted(port: port), "the second connection is refused")
            try await Self.expectRefused(try await ChatClient.connect(host: "127.0.0.1", port: port))
            // Another address is not affected, and those admitted are still served.
            let elsewhere = try #require(await Self.admitted(port: port, from: "127.0.0.2"), "another address is refused")
            for client in [first, second] {
                #expect(try await client.request(.heartbeat, HeartbeatRequest(), as: ErrorReply.self).error == .notLoggedIn)
            }
            // One leaves; the address may open one again.
            await first.close()
            #expect(await eventually(every: .milliseconds(100)) {
                guard let client = await Self.admitted(port: port) else { return false }
                await client.close()
                return true
            }, "the per-address cap is not given back when a connection closes")
            await second.close()
            await elsewhere.close()
        }
    }

    /// A new chat connection from `local`, if the listener admitted it: an admitted connection answers a
    /// heartbeat before login (1024 with 1017), a refused one has sent 1117 and closes.
    static func admitted(port: Int, from local: String = "127.0.0.1") async -> ChatClient? {
        guard let client = try? await ChatClient.connect(host: "127.0.0.1", port: port, from: local) else { return nil }
        try? client.send(.heartbeat, HeartbeatRequest())
        guard let frame = try? await client.next(timeout: .seconds(10)), frame.id == .heartbeatResponse else {
            await client.close()
            return nil
        }
        return client
    }

    /// `client` reads 1117 with 1012 first, then the server closes the connection.
    static func expectRefused(_ client: ChatClient) async throws {
        let first = try await client.next(timeout: .seconds(10))
        #expect(first.id == .notifyError && (try? first.decode(ErrorNotice.self).error) == .rateLimited, "\(first.id)")
        #expect(await client.waitForClose(timeout: .seconds(10)), "a refused connection is held open")
        await client.close()
    }
}
