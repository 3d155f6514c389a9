import Foundation
import FluxServer
import Testing

/// Issue 14: the WebSocket keys `chat.ws_port`, `chat.ws_url` and `chat.ws_allowed_origins`.
extension ConfigurationLoaderTests {
    @Test func theWebSocketPortDefaultsTo8089AndTakesZeroAndOff() async throws {
        #expect(try await load([:]).chat.webSocketPort == 8089)
        #expect(try await load(["FLUX_CHAT_WS_PORT": "0"]).chat.webSocketPort == 0, "0: an ephemeral port")
        #expect(try await load(["FLUX_CHAT_WS_PORT": "9000"]).chat.webSocketPort == 9000)
        for off in ["off", "OFF", " off ", "none", "false"] {
            #expect(try await load(["FLUX_CHAT_WS_PORT": off]).chat.webSocketPort == nil, "'\(off)': no WebSocket listener")
        }
        for bad in ["65536", "-1", "ws", "on", "8089/ws"] {
            let error = await #expect(throws: ConfigurationError.self, "'\(bad)'") { try await load(["FLUX_CHAT_WS_PORT": bad]) }
            #expect(error?.key == "chat.ws_port")
        }
    }

    @Test func theWebSocketURLMustBeOneABrowserCanOpen() async throws {
        #expect(try await load([:]).chat.webSocketURL == nil, "by default the node makes it from the bound port")
        for good in ["wss://chat1.example.com/ws", "ws://127.0.0.1:8089/ws", "ws://[::1]:8089/ws", "WSS://Chat.Example.com"] {
            #expect(try await load(["FLUX_CHAT_WS_URL": good]).chat.webSocketURL == good)
        }
        for bad in ["http://chat.example.com/ws", "chat.example.com/ws", "ws://", "wss://", "ws://:8089/ws", "ws://bad host/ws",
                    "wss://chat.example.com/ws#top", "ws:/chat.example.com/ws"] {
            let error = await #expect(throws: ConfigurationError.self, "'\(bad)'") { try await load(["FLUX_CHAT_WS_URL": bad]) }
            #expect(error?.key == "chat.ws_url", "'\(bad)'")
        }
    }

    @Test func allowedOriginsAreAListOrAnyOrigin() async throws {
        let listed = try await load(["FLUX_CHAT_WS_ALLOWED_ORIGINS": " https://a.example , HTTPS://B.example/,http://localhost:3000"]).chat
        #expect(listed.webSocketOrigins.allowed == ["https://a.example", "https://b.example", "http://localhost:3000"])
        #expect(!listed.webSocketOrigins.allowsAny)
        #expect(listed.webSocketOrigins.accepts(origin: "https://b.example"))
        #expect(!listed.webSocketOrigins.accepts(origin: "http://localhost:8080"), "a list replaces the gate's default")

        let any = try await load(["FLUX_CHAT_WS_ALLOWED_ORIGINS": "*"]).chat.webSocketOrigins
        #expect(any.allowsAny && any.allowed.isEmpty)
        #expect(any.accepts(origin: "https://anywhere.example") && any.accepts(origin: "null"))
        let both = try await load(["FLUX_CHAT_WS_ALLOWED_ORIGINS": "https://a.example,*"]).chat.webSocketOrigins
        #expect(both.allowsAny && both.allowed == ["https://a.example"])

        // Not origins: a browser's Origin never carries a path, so such an entry would match no page.
        for bad in ["a.example", "https://a.example, ftp://b.example", "**", "//a.example", "https://", "https://a.example/app",
                    "https://a.example?x=1", "https://user@a.example"] {
            let error = await #expect(throws: ConfigurationError.self, "'\(bad)'") { try await load(["FLUX_CHAT_WS_ALLOWED_ORIGINS": bad]) }
            #expect(error?.key == "chat.ws_allowed_origins", "'\(bad)'")
        }
    }

    @Test func theDefaultOriginsAreTheGatesOwnPage() async throws {
        // The defaults: gate on 0.0.0.0:8080 without TLS.
        let plain = try await load([:]).chat.webSocketOrigins
        #expect(plain.allowed == ["http://localhost:8080", "http://127.0.0.1:8080", "http://[::1]:8080"])
        #expect(!plain.allowsAny)
        let moved = try await load(["FLUX_GATE_PORT": "9443", "FLUX_GATE_HOST": "fd00::7"]).chat.webSocketOrigins
        #expect(moved.allowed == ["http://localhost:9443", "http://127.0.0.1:9443", "http://[::1]:9443", "http://[fd00::7]:9443"])

        // With the gate's TLS on its default port: https and no port, and the gate's host name too.
        let file = #filePath
        let tls = try await load([
            "FLUX_GATE_HOST": "chat.example.com", "FLUX_GATE_PORT": "443", "FLUX_GATE_TLS_CERT": file, "FLUX_GATE_TLS_KEY": file,
        ]).chat.webSocketOrigins
        #expect(tls.allowed == ["https://localhost", "https://127.0.0.1", "https://[::1]", "https://chat.example.com"])
        // The chat listener's own TLS does not change the page's origin: only the gate's does.
        let chatTLS = try await load(["FLUX_CHAT_TLS_CERT": file, "FLUX_CHAT_TLS_KEY": file]).chat.webSocketOrigins
        #expect(chatTLS.allowed == plain.allowed)
    }
}
