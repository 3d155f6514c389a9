import Foundation
import FluxTestSupport
import GRDB
import Testing

/// Every error of the reference's table, in the reference's order, plus Flux's additions, over real HTTP.
@Suite struct GateErrorTests {
    @Test func badBodiesAre1001OnEveryRoute() async throws {
        try await TestFlux.run { (flux: TestFlux) async throws in
            for route in ["get_varifycode", "user_register", "reset_pwd", "user_login"] {
                for body in ["", "not json", "{", "[1,2]", "null", #"{"email":42}"#, "{}"] {
                    let reply = try await flux.gate.post(route, body: Data(body.utf8))
                    #expect(reply.status == 200 && reply.error == 1001, "\(route) with \(body): \(reply.text)")
                }
            }
            // One missing field each.
            let missing: [(String, [String: Any])] = [
                ("user_register", ["email": "a@b.c", "user": "u", "passwd": "p", "confirm": "p"]),
                ("reset_pwd", ["email": "a@b.c", "user": "u", "passwd": "p"]),
                ("user_login", ["email": "a@b.c"]),
                ("get_varifycode", ["mail": "a@b.c"]),
            ]
            for (route, fields) in missing {
                #expect(try await flux.gate.post(route, fields).error == 1001, "\(route)")
            }
            // Fields present but invalid.
            #expect(try await flux.gate.post("get_varifycode", ["email": "no-at-sign"]).error == 1001)
            #expect(try await flux.gate.post("get_varifycode", ["email": "a@b.c\r\nBcc: x@y.z"]).error == 1001)
            #expect(try await flux.gate.post("user_register", [
                "email": "a@b.c", "user": "", "passwd": "p", "confirm": "p", "icon": "", "varifycode": "1",
            ]).error == 1001)
            #expect(try await flux.gate.post("user_register", [
                "email": "a@b.c", "user": "12345", "passwd": "p", "confirm": "p", "icon": "", "varifycode": "1",
            ]).error == 1001, "an all-digit name would be unsearchable by name")
        }
    }

    @Test func oversizedBodyIs413With1013() async throws {
        try await TestFlux.run(environment: ["FLUX_GATE_MAX_BODY_BYTES": "1024"]) { (flux: TestFlux) async throws in
            let big = try JSONSerialization.data(withJSONObject: ["email": String(repeating: "a", count: 5000) + "@b.c"])
            let reply = try await flux.gate.post("get_varifycode", body: big)
            #expect(reply.status == 413 && reply.error == 1013)
            // The server still serves.
            #expect(try await flux.gate.get("healthz").status == 200)
        }
    }

    @Test func unknownPathIs404PlainText() async throws {
        try await TestFlux.run { (flux: TestFlux) async throws in
            let reply = try await flux.gate.post("user_delete", ["email": "a@b.c"])
            #expect(reply.status == 404)
            #expect(reply.text.contains("not found"))
            let health = try await flux.gate.get("healthz")
            #expect(health.status == 200 && health.error == 0 && health["status"] as? String == "ok")
        }
    }

    @Test func registerErrorsComeInTheReferenceOrder() async throws {
        try await TestFlux.run { (flux: TestFlux) async throws in
            try await register(flux, email: "taken@example.com", name: "taken")
            func attempt(_ email: String, _ name: String, _ passwd: String, _ confirm: String, _ code: String) async throws -> Int? {
                try await flux.gate.post("user_register", [
                    "email": email, "user": name, "passwd": passwd, "confirm": confirm, "icon": "", "varifycode": code,
                ]).error
            }
            // 1006 before anything else, even with no code and a taken e-mail.
            #expect(try await attempt("taken@example.com", "taken", "a", "b", "000000") == 1006)
            // 1003: no code was ever sent for this e-mail (checked before the taken e-mail).
            #expect(try await attempt("fresh@example.com", "taken", "a", "a", "000000") == 1003)
            _ = try await flux.gate.post("get_varifycode", ["email": "fresh@example.com"])
            let code = try await flux.outbox.code(for: "fresh@example.com")
            let wrong = code == "000000" ? "111111" : "000000"
            // 1004 before the taken name.
            #expect(try await attempt("fresh@example.com", "taken", "a", "a", wrong) == 1004)
            // 1005 with the right code and a taken name.
            #expect(try await attempt("fresh@example.com", "taken", "a", "a", code) == 1005)
            #expect(try await attempt("fresh@example.com", "fresh", "a", "a", code) == 0)
        }
    }

    @Test func wrongCodeTooOftenKillsTheCode() async throws {
        try await TestFlux.run(environment: ["FLUX_VERIFY_MAX_WRONG_TRIES": "2"]) { (flux: TestFlux) async throws in
            _ = try await flux.gate.post("get_varifycode", ["email": "guess@example.com"])
            let code = try await flux.outbox.code(for: "guess@example.com")
            let wrong = code == "000000" ? "111111" : "000000"
            let fields: (String) -> [String: Any] = { c in
                ["email": "guess@example.com", "user": "guess", "passwd": "p", "confirm": "p", "icon": "", "varifycode": c]
            }
            #expect(try await flux.gate.post("user_register", fields(wrong)).error == 1004)
            #expect(try await flux.gate.post("user_register", fields(wrong)).error == 1004)
            #expect(try await flux.gate.post("user_register", fields(code)).error == 1003)
        }
    }

    @Test func expiredCodeIs1003() async throws {
        let time = ManualTime()
        try await TestFlux.run(environment: ["FLUX_VERIFY_CODE_TTL": "0.5"], time: time) { (flux: TestFlux) async throws in
            _ = try await flux.gate.post("get_varifycode", ["email": "late@example.com"])
            let code = try await flux.outbox.code(for: "late@example.com")
            time.advance(by: .milliseconds(501))
            let reply = try await flux.gate.post("user_register", [
                "email": "late@example.com", "user": "late", "passwd": "p", "confirm": "p", "icon": "", "varifycode": code,
            ])
            #expect(reply.error == 1003)
        }
    }

    @Test func resendCooldownIs1012AndTheSameCodeIsResentAfterIt() async throws {
        let time = ManualTime()
        try await TestFlux.run(environment: ["FLUX_VERIFY_RESEND_COOLDOWN": "2"], time: time) { (flux: TestFlux) async throws in
            #expect(try await flux.gate.post("get_varifycode", ["email": "cool@example.com"]).error == 0)
            let first = try await flux.outbox.code(for: "cool@example.com")
            #expect(try await flux.gate.post("get_varifycode", ["email": "cool@example.com"]).error == 1012)
            #expect(flux.outbox.count == 1)
            time.advance(by: .milliseconds(1999))
            #expect(try await flux.gate.post("get_varifycode", ["email": "cool@example.com"]).error == 1012)
            time.advance(by: .milliseconds(2))
            #expect(try await flux.gate.post("get_varifycode", ["email": "cool@example.com"]).error == 0)
            #expect(flux.outbox.count == 2)
            #expect(try await flux.outbox.code(for: "cool@example.com") == first, "an unexpired code is re-sent, not replaced")
        }
    }

    @Test func resetErrorsComeInTheReferenceOrder() async throws {
        try await TestFlux.run { (flux: TestFlux) async throws in
            let uid = try await register(flux, email: "dave@example.com", name: "dave")
            try await register(flux, email: "erin@example.com", name: "erin")
            func attempt(_ email: String, _ name: String, _ code: String) async throws -> Int? {
                try await flux.gate.post("reset_pwd", ["email": email, "user": name, "passwd": "new", "varifycode": code]).error
            }
            #expect(try await attempt("dave@example.com", "dave", "123456") == 1003)
            _ = try await flux.gate.post("get_varifycode", ["email": "dave@example.com"])
            let code = try await flux.outbox.code(for: "dave@example.com")
            let wrong = code == "000000" ? "111111" : "000000"
            #expect(try await attempt("dave@example.com", "erin", wrong) == 1004)
            #expect(try await attempt("dave@example.com", "erin", code) == 1007, "erin's e-mail is not dave's")
            #expect(try await attempt("dave@example.com", "nobody", code) == 1007)

            // 1008: the database refuses the update.
            let database = try DatabaseQueue(path: flux.databasePath)
            try await database.write { db in
                try db.execute(sql: """
                    CREATE TRIGGER refuse_update BEFORE UPDATE OF password_hash ON users WHEN NEW.uid = \(uid)
                    BEGIN SELECT RAISE(ABORT, 'refused by test'); END
                    """)
            }
            #expect(try await attempt("dave@example.com", "dave", code) == 1008)
            try await database.write { db in try db.execute(sql: "DROP TRIGGER refuse_update") }
            try await database.close()
            // The code survived the failed update.
            #expect(try await attempt("dave@example.com", "dave", code) == 0)
            #expect(try await flux.gate.post("user_login", ["email": "dave@example.com", "passwd": "new"]).error == 0)
        }
    }

    @Test func loginErrors() async throws {
        try await TestFlux.run(environment: ["FLUX_GATE_MAX_LOGIN_FAILURES": "3"]) { (flux: TestFlux) async throws in
            try await register(flux, email: "fay@example.com", name: "fay", password: "right")
            #expect(try await flux.gate.post("user_login", ["email": "nobody@example.com", "passwd": "x"]).error == 1009)
            #expect(try await flux.gate.post("user_login", ["email": "fay@example.com", "passwd": ""]).error == 1009)
            #expect(try await flux.gate.post("user_login", ["email": "fay@example.com", "passwd": "wrong"]).error == 1009)
            #expect(try await flux.gate.post("user_login", ["email": "fay@example.com", "passwd": "right"]).error == 0)
            for _ in 0..<3 {
                #expect(try await flux.gate.post("user_login", ["email": "fay@example.com", "passwd": "wrong"]).error == 1009)
            }
            // The allowance is used up: the address backs off, and the next try is refused without being
            // checked, right password or not.
            #expect(try await flux.gate.post("user_login", ["email": "fay@example.com", "passwd": "right"]).error == 1012)
        }
    }

    @Test func loginWithoutAChatNodeIs1002() async throws {
        // Split roles need Redis and an RPC listener even with no peer to serve.
        let redis = try await testRedisURL(database: 1)
        try await TestFlux.run(roles: "gate,status,verify", environment: ["FLUX_KV_URL": redis, "FLUX_RPC_HOST": "127.0.0.1", "FLUX_STATUS_RPC_PORT": "0", "FLUX_VERIFY_RPC_PORT": "0"]) { (flux: TestFlux) async throws in
            try await register(flux, email: "gus@example.com", name: "gus")
            #expect(try await flux.gate.post("user_login", ["email": "gus@example.com", "passwd": "pw"]).error == 1002)
        }
    }

    @Test func unreachableMailServerIs1002() async throws {
        let closedPort = try freeLoopbackPort()
        try await TestFlux.run(environment: ["FLUX_MAIL_SMTP_URL": "smtp://127.0.0.1:\(closedPort)"]) { (flux: TestFlux) async throws in
            let first = try await flux.gate.post("get_varifycode", ["email": "hal@example.com"])
            #expect(first.error == 1002)
            // A failed send does not start the cool-down: the retry fails the same way, not with 1012.
            let second = try await flux.gate.post("get_varifycode", ["email": "hal@example.com"])
            #expect(second.error == 1002)
        }
    }

    @Test func perAddressCodeLimit() async throws {
        try await TestFlux.run(environment: ["FLUX_VERIFY_REQUESTS_PER_ADDRESS_PER_HOUR": "2"]) { (flux: TestFlux) async throws in
            #expect(try await flux.gate.post("get_varifycode", ["email": "i1@example.com"]).error == 0)
            #expect(try await flux.gate.post("get_varifycode", ["email": "i2@example.com"]).error == 0)
            #expect(try await flux.gate.post("get_varifycode", ["email": "i3@example.com"]).error == 1012)
        }
    }
}
