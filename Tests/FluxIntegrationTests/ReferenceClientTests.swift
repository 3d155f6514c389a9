import Foundation
import Testing

/// `Tests/python/original_client.py`, written only from the protocol reference (socket, struct, json),
/// plays the whole story against a real server.
@Suite struct ReferenceClientTests {
    @Test func pythonClientOfTheOriginalProtocolDoesTheWholeStory() async throws {
        let script = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("python/original_client.py").path
        let python = ProcessInfo.processInfo.environment["FLUX_TEST_PYTHON"] ?? "/usr/bin/python3"
        guard FileManager.default.isExecutableFile(atPath: python) else {
            Issue.record("no Python at \(python): install python3 or set FLUX_TEST_PYTHON")
            return
        }
        try await TestFlux.run { (flux: TestFlux) async throws in
            let (status, output) = try await runToEnd(
                python, [script, "--gate", "http://127.0.0.1:\(flux.gate.port)", "--outbox", flux.dataDirectory + "/outbox"],
                timeout: .seconds(30))
            #expect(status == 0, "python client failed:\n\(output)")
            #expect(output.contains("OK"), "\(output)")
        }
    }
}

#if canImport(Glibc)
import Glibc
#endif
