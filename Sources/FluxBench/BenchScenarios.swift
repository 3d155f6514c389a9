import Dispatch
import FluxClient
import FluxNet
import FluxProtocol
import Foundation
import Histogram
import NIOCore
import Synchronization

/// The `flux bench` scenarios. Each starts what it measures (Flux processes from this binary, or the
/// baseline relay), drives it over real loopback sockets and returns its figures.
public enum Bench {
    public static let scenarios = ["relay", "idle", "login", "cluster-relay", "group", "flood", "baseline"]

    /// Runs `scenario` (or `all`); `progress` hears what is happening.
    public static func run(_ scenario: String, options: BenchOptions, progress: @escaping @Sendable (String) -> Void) async throws -> [BenchResult] {
        let limit = DescriptorBudget.raiseToHardLimit().limit
        progress("open-file limit \(limit) (raised to the hard limit)")
        switch scenario {
        case "baseline":
            return [try await baseline(options, progress)]
        case "relay":
            let base = try await baseline(options, progress)
            return [base, try await relay(options, baseline: base, progress)]
        case "cluster-relay":
            let base = try await baseline(options, progress)
            return [base, try await clusterRelay(options, baseline: base, progress)]
        case "idle":
            return [try await idle(options, fileLimit: limit, progress)]
        case "login":
            return [try await login(options, progress)]
        case "group":
            return [try await group(options, progress)]
        case "flood":
            return [try await flood(options, progress)]
        case "all":
            let base = try await baseline(options, progress)
            return [
                base, try await relay(options, baseline: base, progress), try await clusterRelay(options, baseline: base, progress),
                try await group(options, progress), try await idle(options, fileLimit: limit, progress), try await login(options, progress),
                try await flood(options, progress),
            ]
        default:
            throw BenchError("unknown scenario '\(scenario)': one of \((scenarios + ["all"]).joined(separator: ", "))")
        }
    }

    private static func relayParameters(_ options: BenchOptions) -> [String: String] {
        [
            "sqlite synchronous": options.sqliteSynchronous,
            "pairs": "\(options.pairs)", "window": "\(options.window)", "duration": "\(options.duration)s",
            "rate": options.rate.map { "\(Int($0))/s" } ?? "unlimited", "transport": options.transport.rawValue,
        ]
    }

    /// The running Flux of `--target`, if one was given.
    private static func target(_ options: BenchOptions, orStart start: () async throws -> FluxUnderTest) async throws -> FluxUnderTest {
        guard let target = options.target else { return try await start() }
        return try await FluxUnderTest.external(gate: target.gate, databaseURL: target.databaseURL, pid: target.pid)
    }

    // MARK: - baseline

    static func baseline(_ options: BenchOptions, _ progress: @Sendable (String) -> Void) async throws -> BenchResult {
        progress("baseline: minimal NIO relay, \(options.pairs) pairs")
        let server = try await BaselineRelayServer.start()
        let counters = RelayCounters()
        var pairs: [RelayPair] = []
        for index in 0..<options.pairs {
            let senderUID = Int64(2 * index + 2)
            let sender = try await BenchSession.open(uid: senderUID, token: "-", host: "127.0.0.1", port: server.port)
            let receiver = try await BenchSession.open(uid: senderUID + 1, token: "-", host: "127.0.0.1", port: server.port)
            pairs.append(RelayPair(sender: sender, receiver: receiver, window: options.window, ratePerSecond: perPair(options), counters: counters))
        }
        let figures = try await RelayRun.run(pairs, counters: counters, warmup: .seconds(options.warmup), duration: .seconds(options.duration))
        for pair in pairs {
            pair.sender.close()
            pair.receiver.close()
        }
        await server.stop()
        var result = BenchResult(scenario: "baseline", parameters: relayParameters(options).filter { $0.key != "transport" })
        result.add("delivered", figures.deliveredPerSecond, "msg/s")
        result.addLatencies("send→notify", figures.latency)
        result.add("lost", Double(figures.acknowledged - min(figures.delivered, figures.acknowledged)), "")
        return result
    }

    private static func perPair(_ options: BenchOptions) -> Double? {
        options.rate.map { $0 / Double(max(options.pairs, 1)) }
    }

    // MARK: - relay

    static func relay(_ options: BenchOptions, baseline: BenchResult?, _ progress: @Sendable (String) -> Void) async throws -> BenchResult {
        progress(options.target.map { "relay: against \($0.gate)" } ?? "relay: starting flux --role all")
        let flux = try await target(options) { try await FluxUnderTest.single(logN: 10, sqliteSynchronous: options.sqliteSynchronous) }
        do {
            let result = try await relay(options, flux: flux, scenario: "relay", baseline: baseline, crossNodes: false, progress)
            await flux.stop()
            return result
        } catch {
            await flux.stop()
            throw error
        }
    }

    static func clusterRelay(_ options: BenchOptions, baseline: BenchResult?, _ progress: @Sendable (String) -> Void) async throws -> BenchResult {
        guard options.target == nil else { throw BenchError("cluster-relay starts its own cluster: --target is for relay, idle and login") }
        let redis = try await BenchRedis.start(options.redisURL)
        progress("cluster-relay: starting a front process and two chat nodes on \(redis.url), store \(options.clusterDatabaseURL ?? "SQLite")")
        let flux: FluxUnderTest
        do {
            flux = try await FluxUnderTest.cluster(
                redisURL: redis.url, databaseURL: options.clusterDatabaseURL, logN: 10, sqliteSynchronous: options.sqliteSynchronous)
        } catch {
            redis.stop()
            throw error
        }
        defer { redis.stop() }
        do {
            let result = try await relay(options, flux: flux, scenario: "cluster-relay", baseline: baseline, crossNodes: true, progress)
            await flux.stop()
            return result
        } catch {
            await flux.stop()
            throw error
        }
    }

    private static func relay(
        _ options: BenchOptions, flux: FluxUnderTest, scenario: String, baseline: BenchResult?, crossNodes: Bool,
        _ progress: @Sendable (String) -> Void
    ) async throws -> BenchResult {
        let accounts = BenchAccounts(databaseURL: flux.databaseURL, gateHost: flux.gateHost, gatePort: flux.gatePort)
        let prefix = "r\(UUID().uuidString.prefix(6).lowercased())"
        progress("\(scenario): creating and logging in \(2 * options.pairs) users")
        let uids = try await accounts.createUsers(2 * options.pairs, prefix: prefix, logN: 10, pairs: true)
        let logins = try await accounts.logIn(prefix: prefix, indices: 0..<uids.count)
        let counters = RelayCounters()
        var pairs: [RelayPair] = []
        for index in 0..<options.pairs {
            let (a, b) = (logins[2 * index], logins[2 * index + 1])
            // Across nodes: senders on the first chat node, receivers on the second.
            let senderPort = crossNodes ? flux.nodes[0].chatPort : a.port
            let receiverPort = crossNodes ? flux.nodes[1].chatPort : b.port
            var senderSocket = try a.webSocketTarget(options.transport)
            var receiverSocket = try b.webSocketTarget(options.transport)
            if crossNodes, senderSocket != nil {
                senderSocket?.port = flux.nodes[0].webSocketPort
                receiverSocket?.port = flux.nodes[1].webSocketPort
            }
            let sender = try await BenchSession.open(uid: a.uid, token: a.token, host: a.host, port: senderPort, webSocket: senderSocket)
            let receiver = try await BenchSession.open(uid: b.uid, token: b.token, host: b.host, port: receiverPort, webSocket: receiverSocket)
            pairs.append(RelayPair(sender: sender, receiver: receiver, window: options.window, ratePerSecond: perPair(options), counters: counters))
        }
        let storedBefore = try await accounts.storedMessageCount()
        progress("\(scenario): sending for \(options.warmup)s warm-up + \(options.duration)s")
        let figures = try await RelayRun.run(pairs, counters: counters, warmup: .seconds(options.warmup), duration: .seconds(options.duration))
        let storedAfter = try await accounts.storedMessageCount()
        let memory = flux.chatResidentBytes
        for pair in pairs {
            pair.sender.close()
            pair.receiver.close()
        }
        var result = BenchResult(scenario: scenario, parameters: relayParameters(options))
        result.add("delivered", figures.deliveredPerSecond, "msg/s")
        if let base = baseline?.value("delivered"), base > 0 {
            result.add("of baseline", 100 * figures.deliveredPerSecond / base, "%")
        }
        result.addLatencies("send→notify", figures.latency)
        result.add("acknowledged (1018)", Double(figures.acknowledged), "")
        result.add("stored", Double(storedAfter - storedBefore), "")
        result.add("acknowledged but not delivered", Double(max(0, figures.acknowledged - figures.delivered)), "")
        result.add("refused", Double(figures.refused), "")
        if let memory { result.add("chat server RSS", Double(memory) / 1_048_576, "MiB") }
        if storedAfter - storedBefore != figures.acknowledged {
            result.notes.append("stored count differs from acknowledged count: check the server log")
        }
        return result
    }

    // MARK: - idle

    static func idle(_ options: BenchOptions, fileLimit: Int, _ progress: @escaping @Sendable (String) -> Void) async throws -> BenchResult {
        // Each connection needs a descriptor here and one in the server: stay under the limit.
        let count = min(options.connections, max(1, fileLimit - 256))
        progress("idle: starting flux --role all for \(count) connections")
        let flux = try await target(options) { try await FluxUnderTest.single(logN: 10) }
        var sessions: [BenchSession] = []
        do {
            let accounts = BenchAccounts(databaseURL: flux.databaseURL, gateHost: flux.gateHost, gatePort: flux.gatePort)
            let prefix = "i\(UUID().uuidString.prefix(6).lowercased())"
            _ = try await accounts.createUsers(count, prefix: prefix, logN: 10, pairs: false)
            // HTTP logins first (their scrypt work and buffers are not connection memory), then the
            // memory before and after the chat connections.
            progress("idle: \(count) HTTP logins")
            let started = ContinuousClock.now
            let logins = try await accounts.logIn(prefix: prefix, indices: 0..<count)
            let loginTime = started.duration(to: .now)
            try await Task.sleep(for: .seconds(1))
            let before = flux.serverPID.flatMap(ProcessMemory.residentBytes) ?? 0
            let heapBefore = await flux.heapInUseBytes()
            progress("idle: server RSS before connections \(before / 1024) KiB; opening \(count) chat sessions")
            sessions = try await withThrowingTaskGroup(of: [BenchSession].self) { group in
                let lanes = 16
                for lane in 0..<lanes {
                    group.addTask {
                        var mine: [BenchSession] = []
                        for index in stride(from: lane, to: count, by: lanes) {
                            let login = logins[index]
                            // 127.0.0.2, .3, …: 20,000 connections per source address keep clear of the
                            // ~28,000 ephemeral ports one address pair has.
                            let source = "127.0.0.\(2 + index / 20_000)"
                            mine.append(try await BenchSession.open(
                                uid: login.uid, token: login.token, host: login.host, port: login.port, sourceHost: source,
                                webSocket: try login.webSocketTarget(options.transport)))
                        }
                        return mine
                    }
                }
                return try await group.reduce(into: []) { $0 += $1 }
            }
            progress("idle: \(sessions.count) logged in; heartbeats for \(options.duration)s")
            for session in sessions {
                session.onLoop {
                    _ = session.eventLoop.scheduleRepeatedTask(initialDelay: .seconds(Int64.random(in: 1...10)), delay: .seconds(10)) { _ in
                        session.connection.send(.heartbeat, text: "{}")
                    }
                }
            }
            try await Task.sleep(for: .seconds(options.duration))
            let after = flux.serverPID.flatMap(ProcessMemory.residentBytes) ?? 0
            let heapAfter = await flux.heapInUseBytes()
            var result = BenchResult(scenario: "idle", parameters: [
                "connections": "\(sessions.count)", "requested": "\(options.connections)", "duration": "\(options.duration)s",
                "transport": options.transport.rawValue,
                "fd limit": "\(fileLimit)",
            ])
            if flux.serverPID != nil {
                result.add("server RSS before", Double(before) / 1_048_576, "MiB")
                result.add("server RSS with connections", Double(after) / 1_048_576, "MiB")
                result.add("per connection", Double(after - before) / Double(max(sessions.count, 1)) / 1024, "KiB")
                if let heapBefore, let heapAfter {
                    // Without what the allocator keeps after frees (the HTTP logins' buffers, say): steadier than RSS.
                    result.add("heap per connection", Double(heapAfter - heapBefore) / Double(max(sessions.count, 1)) / 1024, "KiB")
                }
            } else {
                result.notes.append("no server memory figures: pass --pid PID of the target's chat process")
            }
            let seconds = Double(loginTime.components.seconds) + Double(loginTime.components.attoseconds) / 1e18
            result.add("HTTP logins (scrypt 2^10)", Double(count) / seconds, "per s")
            if count < options.connections {
                result.notes.append("capped at \(count) connections by the open-file limit \(fileLimit) (hard limit of this machine)")
            }
            for session in sessions { session.close() }
            await flux.stop()
            return result
        } catch {
            for session in sessions { session.close() }
            await flux.stop()
            throw error
        }
    }

    // MARK: - login

    static func login(_ options: BenchOptions, _ progress: @escaping @Sendable (String) -> Void) async throws -> BenchResult {
        progress("login: starting flux --role all; users with scrypt 2^\(options.loginScryptLogN)")
        let flux = try await target(options) { try await FluxUnderTest.single(logN: options.loginScryptLogN) }
        do {
            let accounts = BenchAccounts(databaseURL: flux.databaseURL, gateHost: flux.gateHost, gatePort: flux.gatePort)
            let prefix = "l\(UUID().uuidString.prefix(6).lowercased())"
            let workers = max(1, options.loginConcurrency)
            _ = try await accounts.createUsers(workers, prefix: prefix, logN: options.loginScryptLogN, pairs: false)
            let stop = ContinuousClock.now.advanced(by: .seconds(options.warmup + options.duration))
            let measureFrom = ContinuousClock.now.advanced(by: .seconds(options.warmup))
            let histograms = try await withThrowingTaskGroup(of: Histogram<UInt64>.self) { group in
                for worker in 0..<workers {
                    group.addTask {
                        var histogram = Histogram<UInt64>(highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: .three)
                        while ContinuousClock.now < stop {
                            let start = ContinuousClock.now
                            let login = try await accounts.logIn("\(prefix)-\(worker)@bench.invalid")
                            let session = try await BenchSession.open(uid: login.uid, token: login.token, host: login.host, port: login.port)
                            let elapsed = start.duration(to: .now)
                            session.close()
                            if start >= measureFrom, ContinuousClock.now < stop {
                                _ = histogram.record(UInt64(elapsed.components.seconds) * 1_000_000 + UInt64(elapsed.components.attoseconds / 1_000_000_000_000))
                            }
                        }
                        return histogram
                    }
                }
                return try await group.reduce(into: [Histogram<UInt64>]()) { $0.append($1) }
            }
            var all = Histogram<UInt64>(highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: .three)
            for histogram in histograms { all.add(histogram) }
            var result = BenchResult(scenario: "login", parameters: [
                "concurrency": "\(workers)", "duration": "\(options.duration)s", "scrypt": "2^\(options.loginScryptLogN)",
            ])
            result.add("logins (HTTP + chat)", Double(all.totalCount) / options.duration, "per s")
            result.addLatencies("login", all)
            await flux.stop()
            return result
        } catch {
            await flux.stop()
            throw error
        }
    }
}
