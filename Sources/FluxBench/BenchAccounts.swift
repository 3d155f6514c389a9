import FluxClient
import FluxCrypto
import FluxServer
import FluxStore
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A bench user logged in over HTTP: where to connect for chat and with which token.
struct BenchLogin: Sendable {
    let uid: Int64
    let token: String
    let host: String
    let port: Int
    /// The node's WebSocket URL, from the login's `ws`.
    var ws: String? = nil

    /// Where the chat connection goes: the TCP port, or the WebSocket of `ws`.
    func webSocketTarget(_ transport: BenchTransport) throws -> WebSocketTarget? {
        guard transport == .webSocket else { return nil }
        guard let ws, let target = WebSocketTarget(url: ws) else { throw BenchError("the login of \(uid) named no WebSocket URL (is chat.ws_port off?)") }
        return target
    }
}

/// Creates the bench's users straight in the store (as `flux admin users create` does, without e-mail
/// codes), makes pairs friends, and logs users in over the gate's HTTP API.
struct BenchAccounts: Sendable {
    let databaseURL: String
    let gateHost: String
    let gatePort: Int
    /// The password every bench user has.
    static let password = "bench-pw"

    /// Creates `count` users named `<prefix>-<i>` whose password hash costs 2^`logN`; with `pairs`, users
    /// 2k and 2k+1 become friends. Returns their uids in order.
    func createUsers(_ count: Int, prefix: String, logN: Int, pairs: Bool) async throws -> [Int64] {
        let store = try await FluxServer.openStore(databaseURL)
        // One hash for all: each carries its own salt and cost, and verifying it costs the same.
        let hash = try PasswordHasher(parameters: .init(logN: logN)).hash(Self.password)
        var uids: [Int64] = []
        uids.reserveCapacity(count)
        for index in 0..<count {
            let name = "\(prefix)-\(index)"
            uids.append(try await store.createUser(NewUser(name: name, email: "\(name)@bench.invalid", passwordHash: hash)).uid)
        }
        if pairs {
            for index in stride(from: 0, to: count - 1, by: 2) {
                try await store.addFriendship(uids[index], uids[index + 1], backOfB: "peer", backOfA: "peer")
            }
        }
        try await store.close()
        return uids
    }

    /// Texts stored in the whole database.
    func storedMessageCount() async throws -> Int {
        let store = try await FluxServer.openStore(databaseURL, migrate: false)
        let count = try await store.messageCount()
        try await store.close()
        return count
    }

    /// HTTP login of `<prefix>-<i>` for every index, `concurrency` at a time, in index order.
    func logIn(prefix: String, indices: Range<Int>, concurrency: Int = 32) async throws -> [BenchLogin] {
        var results = [BenchLogin?](repeating: nil, count: indices.count)
        try await withThrowingTaskGroup(of: (Int, BenchLogin).self) { group in
            var next = indices.lowerBound
            func addNext() {
                guard next < indices.upperBound else { return }
                let index = next
                next += 1
                group.addTask { (index, try await self.logIn("\(prefix)-\(index)@bench.invalid")) }
            }
            for _ in 0..<concurrency { addNext() }
            while let (index, login) = try await group.next() {
                results[index - indices.lowerBound] = login
                addNext()
            }
        }
        return results.map { $0! }
    }

    /// One `POST /user_login`.
    func logIn(_ email: String) async throws -> BenchLogin {
        var request = URLRequest(url: URL(string: "http://\(gateHost):\(gatePort)/user_login")!)
        request.httpMethod = "POST"
        request.httpBody = try JSONSerialization.data(withJSONObject: ["email": email, "passwd": Self.password])
        request.timeoutInterval = 60
        let (data, _) = try await URLSession.shared.data(for: request)
        guard let json = try JSONSerialization.jsonObject(with: data) as? [String: Any], json["error"] as? Int == 0,
            let uid = json["uid"] as? Int, let token = json["token"] as? String, let host = json["host"] as? String,
            let port = (json["port"] as? String).flatMap(Int.init)
        else { throw BenchError("login of \(email) failed: \(String(decoding: data, as: UTF8.self))") }
        return BenchLogin(uid: Int64(uid), token: token, host: host, port: port, ws: json["ws"] as? String)
    }
}
