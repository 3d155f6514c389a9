import FluxChat
import Testing

@Suite struct WebSocketOriginPolicyTests {
    @Test func theDefaultAllowsTheGatesOwnPageOnly() {
        let policy = WebSocketOriginPolicy.gate(host: "0.0.0.0", port: 8080, tls: false)
        #expect(policy.accepts(origin: "http://localhost:8080"))
        #expect(policy.accepts(origin: "http://127.0.0.1:8080"))
        #expect(policy.accepts(origin: "HTTP://LOCALHOST:8080/"))
        #expect(!policy.accepts(origin: "http://localhost:8081"))
        #expect(!policy.accepts(origin: "https://localhost:8080"))
        #expect(!policy.accepts(origin: "http://evil.example"))
        #expect(!policy.accepts(origin: "null"))
        // Not a browser: no Origin header.
        #expect(policy.accepts(origin: nil))
    }

    @Test func aNamedGateHostAndTheDefaultHTTPSPort() {
        let policy = WebSocketOriginPolicy.gate(host: "chat.example.com", port: 443, tls: true)
        #expect(policy.accepts(origin: "https://chat.example.com"))
        #expect(!policy.accepts(origin: "https://chat.example.com.evil.example"))
        #expect(!policy.accepts(origin: "http://chat.example.com"))
    }

    @Test func aListOrAnyOrigin() {
        let listed = WebSocketOriginPolicy(allowed: ["https://a.example", "https://b.example/"])
        #expect(listed.accepts(origin: "https://b.example"))
        #expect(!listed.accepts(origin: "https://c.example"))
        #expect(WebSocketOriginPolicy(allowed: [], allowsAny: true).accepts(origin: "https://c.example"))
    }
}
