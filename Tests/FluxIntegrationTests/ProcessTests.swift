import FluxTestSupport
import Foundation
import GRDB
import Testing

/// The `flux` executable itself: flags, start-up errors and graceful shutdown on signals.
@Suite struct ProcessTests {
    @Test func versionAndHelp() async throws {
        let version = try await FluxProcess.runToEnd(["--version"])
        #expect(version.status == 0 && version.output.contains("0.1.0"))
        let help = try await FluxProcess.runToEnd(["--help"])
        #expect(help.status == 0 && help.output.contains("serve") && help.output.contains("admin"))
        let serveHelp = try await FluxProcess.runToEnd(["serve", "--help"])
        #expect(serveHelp.status == 0 && serveHelp.output.contains("--role") && serveHelp.output.contains("--data-dir"))
    }

    @Test func badValueStopsStartUpWithOneLineNamingTheKey() async throws {
        let cases: [([String: String], [String], String)] = [
            (["FLUX_GATE_PORT": "eighty"], [], "gate.port (FLUX_GATE_PORT)"),
            (["FLUX_CHAT_PORT": "70000"], [], "chat.port (FLUX_CHAT_PORT)"),
            (["FLUX_KV_URL": "redis://127.0.0.1:1"], [], "kv.url (FLUX_KV_URL)"),
            (["FLUX_DB_URL": "oracle://x"], [], "db.url (FLUX_DB_URL)"),
            (["FLUX_MAIL_SMTP_URL": "smtp://:25"], [], "mail.smtp_url (FLUX_MAIL_SMTP_URL)"),
            (["FLUX_CHAT_ADVERTISE": "nohost"], [], "chat.advertise (FLUX_CHAT_ADVERTISE)"),
            (["FLUX_RPC_SECRET": clusterSecret, "FLUX_RPC_HOST": "127.0.0.1"], ["--role", "gate"], "kv.url (FLUX_KV_URL)"),
            (["FLUX_RPC_SECRET": clusterSecret, "FLUX_RPC_HOST": "127.0.0.1", "FLUX_KV_URL": "redis://127.0.0.1:1/0"], ["--role", "chat"],
             "kv.url (FLUX_KV_URL)"),
            // Split roles need a cluster secret of at least 32 bytes and an explicit RPC bind address.
            (["FLUX_RPC_HOST": "127.0.0.1"], ["--role", "chat"], "rpc.secret (FLUX_RPC_SECRET)"),
            (["FLUX_RPC_SECRET": "short", "FLUX_RPC_HOST": "127.0.0.1"], ["--role", "status"], "rpc.secret (FLUX_RPC_SECRET)"),
            (["FLUX_RPC_SECRET": clusterSecret], ["--role", "gate,status,verify"], "rpc.host (FLUX_RPC_HOST)"),
            (["FLUX_RPC_SECRET_FILE": "/nonexistent/secret"], ["--role", "chat"], "rpc.secret_file (FLUX_RPC_SECRET_FILE)"),
            (["FLUX_RPC_TLS_CERT": "/etc/hostname"], [], "rpc.tls_key (FLUX_RPC_TLS_KEY)"),
            ([:], ["--role", "pager"], "--role"),
            ([:], ["--log-level", "loud"], "log.level (FLUX_LOG_LEVEL)"),
        ]
        for (env, arguments, key) in cases {
            let result = try await FluxProcess.runToEnd(arguments, environment: env)
            let lines = result.errors.split(separator: "\n")
            #expect(result.status == 1, "\(key): \(result.errors)")
            #expect(lines.count == 1 && lines.first?.contains(key) == true, "\(key): \(result.errors)")
        }
    }

    @Test func configFileIsReadAndEnvironmentWins() async throws {
        let folder = TestFolder.path("flux-conf")
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let file = folder + "/flux.yaml"
        try "gate:\n  port: 9181\nchat:\n  advertise: chat.example.com:9190\n".write(toFile: file, atomically: true, encoding: .utf8)
        let fromFile = try await FluxProcess.runToEnd(["--config", file, "--check"])
        #expect(fromFile.status == 0 && fromFile.output.contains(":9181") && fromFile.output.contains("chat.example.com:9190"))
        let overridden = try await FluxProcess.runToEnd(["--config", file, "--check"], environment: ["FLUX_GATE_PORT": "9182"])
        #expect(overridden.output.contains(":9182"))
        try "gate:\n  port: ninety\n".write(toFile: file, atomically: true, encoding: .utf8)
        let bad = try await FluxProcess.runToEnd(["--config", file])
        #expect(bad.status == 1 && bad.errors.contains("gate.port"))
    }

    @Test func adminDatabaseMigrateAndStatus() async throws {
        let folder = TestFolder.path("flux-admin")
        let environment = ["FLUX_DATA_DIR": folder]
        let before = try await FluxProcess.runToEnd(["admin", "db", "status"], environment: environment)
        #expect(before.status == 0 && before.output.contains("pending  v1-"), "\(before)")
        let migrated = try await FluxProcess.runToEnd(["admin", "db", "migrate"], environment: environment)
        #expect(migrated.status == 0 && migrated.output.contains("up to date"), "\(migrated)")
        let after = try await FluxProcess.runToEnd(["admin", "db", "status"], environment: environment)
        #expect(after.status == 0 && after.output.contains("applied  v1-") && !after.output.contains("pending"))
        let copy = folder + "/backup.sqlite"
        let backup = try await FluxProcess.runToEnd(["admin", "db", "backup", "--to", copy], environment: environment)
        #expect(backup.status == 0 && FileManager.default.fileExists(atPath: copy), "\(backup)")
        let copied = try DatabaseQueue(path: copy)
        #expect(try await copied.read { db in try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations") }.first?.hasPrefix("v1-") == true)
        try copied.close()
        #expect(try await FluxProcess.runToEnd(["admin", "db", "backup", "--to", copy], environment: environment).status == 1)
        // A database migrated by a newer binary is refused, at start-up and by admin.
        let database = try DatabaseQueue(path: folder + "/flux.sqlite")
        try await database.write { db in try db.execute(sql: "INSERT INTO grdb_migrations (identifier) VALUES ('v99-future')") }
        try database.close()
        let refused = try await FluxProcess.runToEnd(["admin", "db", "status"], environment: environment)
        #expect(refused.status == 1 && refused.errors.contains("db.url") && refused.errors.contains("v99-future"))
        let server = try await FluxProcess.runToEnd(["--role", "all"], environment: environment.merging(["FLUX_GATE_PORT": "0"]) { _, new in new })
        #expect(server.status == 1 && server.errors.contains("does not know"))
    }

    /// A port that is taken stops the process at once with an error and exit status 1: the services that
    /// did start stop on cancellation (an RPC listener once did not, and ServiceLifecycle's cancellation
    /// timeout then crashed the process after 5 s).
    @Test func aTakenPortStopsTheProcessWithAnError() async throws {
        let port = try freeLoopbackPort()
        let holder = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(holder) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(holder, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        try #require(bound == 0 && listen(holder, 8) == 0)
        let started = ContinuousClock.now
        // A front process: its verify RPC listener starts, its status RPC listener cannot.
        let result = try await FluxProcess.runToEnd(["--role", "gate,status,verify"], environment: [
            "FLUX_GATE_PORT": "0", "FLUX_GATE_HOST": "127.0.0.1", "FLUX_STATUS_RPC_PORT": "\(port)", "FLUX_VERIFY_RPC_PORT": "0",
            "FLUX_KV_URL": try await testRedisURL(database: 14), "FLUX_RPC_SECRET": clusterSecret, "FLUX_RPC_HOST": "127.0.0.1",
        ])
        #expect(result.status == 1, "exit status \(result.status): \(result.errors)")
        #expect(result.errors.contains("flux stopped on an error") && !result.errors.contains("Fatal error"), "\(result.errors)")
        print("process: a taken port stopped flux after \(started.duration(to: .now))")
    }

    @Test(arguments: ["TERM", "INT"])
    func signalShutsDownGracefullyWithExitZero(_ signalName: String) async throws {
        let process = try FluxProcess.start(["--role", "all"], environment: ["FLUX_GATE_PORT": "0", "FLUX_GATE_HOST": "127.0.0.1"])
        defer { process.kill() }
        try await process.waitForLog("gate listening")
        #expect(process.logText.contains("flux starting"))
        process.signal(signalName == "TERM" ? SIGTERM : SIGINT)
        let status = try await process.waitForExit()
        #expect(status == 0, "exit status \(status); log: \(process.logText)")
        #expect(process.logText.contains("store closed"))
        #expect(process.logText.contains("flux stopped"))
    }
}

#if canImport(Glibc)
import Glibc
#endif
