import Foundation
import FluxServer
import Testing

/// `ConfigurationLoader` directly, for what the configuration fuzzer (Tests/Fuzz) found.
@Suite struct ConfigurationLoaderTests {
    func load(_ environment: [String: String]) async throws(ConfigurationError) -> FluxConfiguration {
        try await ConfigurationLoader(environment: environment).load(roles: Set(Role.allCases))
    }

    /// Tests/Fuzz/Crashes/FuzzConfiguration/duration-below-a-millisecond: "0.0001" passed the "positive"
    /// check and was kept as zero milliseconds (a renew loop without pause, connections idle at once).
    @Test func aDurationBelowAMillisecondIsRefused() async throws {
        let keys = [
            "chat.renew_interval", "chat.resync_interval", "chat.idle_timeout", "status.token_ttl", "status.node_ttl",
            "status.probe_interval", "verify.code_ttl",
        ]
        for key in keys {
            let variable = "FLUX_" + key.replacingOccurrences(of: ".", with: "_").uppercased()
            for value in ["0.0001", "0.0009", "0", "-0", "1e-9"] {
                await #expect(throws: ConfigurationError.self, "\(variable)=\(value)") { try await load([variable: value]) }
            }
            let error = await #expect(throws: ConfigurationError.self) { try await load([variable: "0.0001"]) }
            #expect(error?.key == key)
        }
        let shortest = try await load(["FLUX_CHAT_IDLE_TIMEOUT": "0.001", "FLUX_STATUS_TOKEN_TTL": "0.0015"])
        #expect(shortest.chat.idleTimeout == .milliseconds(1))
        #expect(shortest.status.tokenLifetime == .milliseconds(1))
        // The resend cooldown may be zero, also when it is written as less than a millisecond.
        #expect(try await load(["FLUX_VERIFY_RESEND_COOLDOWN": "0.0001"]).verify.resendCooldown == .zero)
        await #expect(throws: ConfigurationError.self) { try await load(["FLUX_VERIFY_RESEND_COOLDOWN": "-1"]) }
    }
}
