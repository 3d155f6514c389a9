import Foundation
import Testing

/// The whole account story over real HTTP against a real `flux --role all`.
@Suite struct AccountFlowTests {
    @Test func registerLoginResetAndLoginAgain() async throws {
        try await TestFlux.run { (flux: TestFlux) async throws in
            let email = "alice@example.com"
            let asked = try await flux.gate.post("get_varifycode", ["email": email])
            #expect(asked.status == 200 && asked.error == 0 && asked["email"] as? String == email)
            let code = try await flux.outbox.code(for: email)

            let registered = try await flux.gate.post("user_register", [
                "email": email, "user": "alice", "passwd": "secret-1", "confirm": "secret-1", "icon": ":/res/head_1.jpg",
                "varifycode": code,
            ])
            #expect(registered.error == 0)
            let uid = try #require(registered["uid"] as? Int)
            #expect(uid > 0 && registered["user"] as? String == "alice" && registered["email"] as? String == email)
            #expect(registered["passwd"] == nil && registered["confirm"] == nil)

            let wrong = try await flux.gate.post("user_login", ["email": email, "passwd": "secret-2"])
            #expect(wrong.error == 1009)

            let login = try await flux.gate.post("user_login", ["email": email, "passwd": "secret-1"])
            #expect(login.error == 0)
            #expect(login["uid"] as? Int == uid)
            #expect(login["email"] as? String == email)
            #expect(login["host"] as? String == "127.0.0.1")
            #expect(login["port"] as? String == flux.chatPort.map(String.init), "port must be the chat node's, as a string")
            let token = try #require(login["token"] as? String)
            #expect(token.count == 32 && token.allSatisfy(\.isHexDigit))
            #expect(!login.text.contains("secret-1"))

            // A new code (the first was used up by the registration) resets the password.
            _ = try await flux.gate.post("get_varifycode", ["email": email])
            let resetCode = try await flux.outbox.code(for: email)
            #expect(resetCode != code)
            let reset = try await flux.gate.post("reset_pwd", [
                "email": email, "user": "alice", "passwd": "secret-2", "varifycode": resetCode,
            ])
            #expect(reset.error == 0 && reset["user"] as? String == "alice" && reset["email"] as? String == email)
            #expect(reset["passwd"] == nil)

            #expect(try await flux.gate.post("user_login", ["email": email, "passwd": "secret-1"]).error == 1009)
            let again = try await flux.gate.post("user_login", ["email": email, "passwd": "secret-2"])
            #expect(again.error == 0 && again["uid"] as? Int == uid)
            #expect(again["token"] as? String != token, "every login gets a fresh token")
        }
    }

    @Test func registeringTheSameEmailAgainIs1005() async throws {
        try await TestFlux.run { (flux: TestFlux) async throws in
            let email = "bob@example.com"
            try await register(flux, email: email, name: "bob")
            _ = try await flux.gate.post("get_varifycode", ["email": email])
            let code = try await flux.outbox.code(for: email)
            let again = try await flux.gate.post("user_register", [
                "email": email, "user": "bob2", "passwd": "p", "confirm": "p", "icon": "", "varifycode": code,
            ])
            #expect(again.error == 1005)
            // Upper case is the same address.
            let upper = try await flux.gate.post("user_register", [
                "email": email.uppercased(), "user": "bob3", "passwd": "p", "confirm": "p", "icon": "", "varifycode": code,
            ])
            #expect(upper.error == 1005)
        }
    }

    @Test func takenNameIs1005() async throws {
        try await TestFlux.run { (flux: TestFlux) async throws in
            try await register(flux, email: "carol@example.com", name: "carol")
            _ = try await flux.gate.post("get_varifycode", ["email": "carol2@example.com"])
            let code = try await flux.outbox.code(for: "carol2@example.com")
            let taken = try await flux.gate.post("user_register", [
                "email": "carol2@example.com", "user": "carol", "passwd": "p", "confirm": "p", "icon": "", "varifycode": code,
            ])
            #expect(taken.error == 1005)
            // The code was not used up by the refused registration.
            let ok = try await flux.gate.post("user_register", [
                "email": "carol2@example.com", "user": "carol2", "passwd": "p", "confirm": "p", "icon": "", "varifycode": code,
            ])
            #expect(ok.error == 0)
        }
    }

    @Test func nameDifferingOnlyInCaseOrFormIs1005() async throws {
        try await TestFlux.run { (flux: TestFlux) async throws in
            try await register(flux, email: "dora@example.com", name: "Dora")
            for (index, lookAlike) in ["dora", "DORA", "Ｄｏｒａ", "Do\u{200B}ra"].enumerated() {
                let email = "dora\(index)@example.com"
                _ = try await flux.gate.post("get_varifycode", ["email": email])
                let code = try await flux.outbox.code(for: email)
                let reply = try await flux.gate.post("user_register", [
                    "email": email, "user": lookAlike, "passwd": "p", "confirm": "p", "icon": "", "varifycode": code,
                ])
                #expect(reply.error == 1005, "\(lookAlike) is a look-alike of Dora: \(reply.text)")
            }
            // reset_pwd finds the account by name as the chat search does; the e-mail must still be its own.
            _ = try await flux.gate.post("get_varifycode", ["email": "dora@example.com"])
            let code = try await flux.outbox.code(for: "dora@example.com")
            let reset = try await flux.gate.post("reset_pwd", [
                "email": "dora@example.com", "user": "DORA", "passwd": "new", "varifycode": code,
            ])
            #expect(reset.error == 0 && reset["user"] as? String == "Dora")
        }
    }

    @Test func simultaneousRegistrationsOfOneEmailMakeOneUser() async throws {
        try await TestFlux.run { (flux: TestFlux) async throws in
            let email = "race@example.com"
            _ = try await flux.gate.post("get_varifycode", ["email": email])
            let code = try await flux.outbox.code(for: email)
            let errors = try await withThrowingTaskGroup(of: Int?.self) { group in
                for index in 0..<2 {
                    group.addTask {
                        try await flux.gate.post("user_register", [
                            "email": email, "user": "racer\(index)", "passwd": "p", "confirm": "p", "icon": "",
                            "varifycode": code,
                        ]).error
                    }
                }
                return try await group.reduce(into: [Int?]()) { $0.append($1) }
            }
            #expect(errors.filter { $0 == 0 }.count == 1)
            #expect(errors.filter { $0 == 1005 }.count == 1)
        }
    }
}

/// Registers `name` with a code read from the outbox.
@discardableResult
func register(_ flux: TestFlux, email: String, name: String, password: String = "pw") async throws -> Int {
    let asked = try await flux.gate.post("get_varifycode", ["email": email])
    #expect(asked.error == 0)
    let code = try await flux.outbox.code(for: email)
    let reply = try await flux.gate.post("user_register", [
        "email": email, "user": name, "passwd": password, "confirm": password, "icon": "", "varifycode": code,
    ])
    #expect(reply.error == 0, "registration of \(name) failed: \(reply.text)")
    return reply["uid"] as? Int ?? 0
}
