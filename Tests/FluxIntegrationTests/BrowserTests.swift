import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Issue 14: the web client the gate serves, driven in a real headless Chromium by
/// `Tests/browser/web_client_test.py` (Selenium), against `flux --role all` as `make run` starts it, with
/// a third user on the original TCP protocol. Needs Debian's chromium, chromium-driver and
/// python3-selenium (`make deps`); says so, and fails, when they are missing.
@Suite struct BrowserTests {
    @Test(.timeLimit(.minutes(5))) func twoBrowsersAndATCPClientChat() async throws {
        let python = ProcessInfo.processInfo.environment["FLUX_TEST_BROWSER_PYTHON"] ?? "/usr/bin/python3"
        let missing = ["/usr/bin/chromium", "/usr/bin/chromedriver", python].filter { !FileManager.default.isExecutableFile(atPath: $0) }
        let selenium = missing.isEmpty ? (try? await runToEnd(python, ["-c", "import selenium"], timeout: .seconds(30)))?.0 == 0 : false
        guard missing.isEmpty, selenium else {
            Issue.record("the browser test needs chromium, chromium-driver and python3-selenium (make deps); missing: \(missing.isEmpty ? "selenium for \(python)" : missing.joined(separator: ", "))")
            return
        }
        let tests = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        let script = tests.appendingPathComponent("browser/web_client_test.py").path
        // Fixed ports, as `make run` has them: the chat WebSocket's default origin policy is the gate's page.
        let gatePort = try freeLoopbackPort()
        let chatPort = try freeLoopbackPort()
        let flux = try FluxProcess.start(["--role", "all"], environment: [
            "FLUX_GATE_HOST": "127.0.0.1", "FLUX_GATE_PORT": "\(gatePort)", "FLUX_CHAT_PORT": "\(chatPort)",
        ])
        defer { flux.kill() }
        try await flux.waitForLog("gate listening")
        try await flux.waitForLog("chat websocket listening")
        let screenshots = ProcessInfo.processInfo.environment["FLUX_TEST_SCREENSHOTS"] ?? flux.dataDirectory + "/screenshots"
        let (status, output) = try await runToEnd(python, [
            script, "--gate", "http://127.0.0.1:\(gatePort)", "--outbox", flux.dataDirectory + "/outbox",
            "--chat-host", "127.0.0.1", "--chat-port", "\(chatPort)", "--screenshots", screenshots,
        ], timeout: .seconds(240))
        #expect(status == 0 && output.contains("OK"), "the browser test failed (screenshots in \(screenshots)):\n\(output)\n--- flux log ---\n\(flux.logText.suffix(4000))")
    }
}

/// The web client's state and connection logic (`store.js`, `connection.js`) under Node with a fake
/// socket and clock: `Tests/browser/client_logic_test.mjs`.
@Suite struct WebClientLogicTests {
    @Test func storeAndConnectionLogicPassUnderNode() async throws {
        let path = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":")
        guard let node = path.map({ "\($0)/node" }).first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            Issue.record("the web client logic tests need Node.js on PATH (Debian: nodejs)")
            return
        }
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("browser/client_logic_test.mjs").path
        let (status, output) = try await runToEnd(node, [script], timeout: .seconds(60))
        #expect(status == 0 && output.contains("OK"), "\(output)")
    }
}
