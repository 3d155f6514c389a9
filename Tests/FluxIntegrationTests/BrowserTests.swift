import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Issue 14: the web client the gate serves, driven in a real headless Chromium by
/// `Tests/browser/web_client_test.py` (Selenium), against `flux --role all` as `make run` starts it, with
/// a third user on the original TCP protocol. Needs Debian's chromium, chromium-driver and
/// python3-selenium (`make deps`); says so, and fails, when they are missing.
/// The two stories run one after the other (`.serialized`): each drives up to three Chromiums, which is
/// as much as a small machine can take beside the rest of the suite.
@Suite(.serialized) struct BrowserTests {
    /// Two browsers register, befriend and chat (receipts, backlog, history, profile, reconnect, replaced
    /// session, log out) with a third user on the original TCP protocol.
    @Test(.timeLimit(.minutes(5))) func twoBrowsersAndATCPClientChat() async throws {
        try await Self.run(part: "private")
    }

    /// Three browsers in a group: create, add, texts and unread badges, roles, rename, history paging,
    /// remove, leave and dissolve.
    @Test(.timeLimit(.minutes(5))) func threeBrowsersInAGroup() async throws {
        try await Self.run(part: "groups")
    }

    /// Runs `web_client_test.py --part part` against a new `flux --role all`.
    static func run(part: String) async throws {
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
        // A group limit above the default 20 a second: one part sends a burst of 35 group texts.
        let gatePort = try freeLoopbackPort()
        let chatPort = try freeLoopbackPort()
        let flux = try FluxProcess.start(["--role", "all"], environment: [
            "FLUX_GATE_HOST": "127.0.0.1", "FLUX_GATE_PORT": "\(gatePort)", "FLUX_CHAT_PORT": "\(chatPort)",
            "FLUX_GROUP_TEXTS_PER_SECOND": "100",
        ])
        defer { flux.kill() }
        try await flux.waitForLog("gate listening")
        try await flux.waitForLog("chat websocket listening")
        let screenshots = ProcessInfo.processInfo.environment["FLUX_TEST_SCREENSHOTS"] ?? flux.dataDirectory + "/screenshots"
        let (status, output) = try await runToEnd(python, [
            script, "--part", part, "--gate", "http://127.0.0.1:\(gatePort)", "--outbox", flux.dataDirectory + "/outbox",
            "--chat-host", "127.0.0.1", "--chat-port", "\(chatPort)", "--screenshots", screenshots,
        ], timeout: .seconds(240))
        #expect(status == 0 && output.contains("OK"), "the browser test (\(part)) failed (screenshots in \(screenshots)):\n\(output)\n--- flux log ---\n\(flux.logText.suffix(4000))")
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
