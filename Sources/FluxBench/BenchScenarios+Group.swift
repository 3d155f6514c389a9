import FluxServer
import FluxStore
import Foundation
import Histogram

extension Bench {
    /// `group`: `groups` groups of `members` on one `flux --role all`; each group's first member sends
    /// (window `window`), every other member receives. Fan-out deliveries per second, send → last
    /// member's notify, and the check that each text is stored once.
    static func group(_ options: BenchOptions, _ progress: @escaping @Sendable (String) -> Void) async throws -> BenchResult {
        progress("group: starting flux --role all for \(options.groups) groups × \(options.members) members")
        let flux = try await FluxUnderTest.single(logN: 10, sqliteSynchronous: options.sqliteSynchronous)
        var fanouts: [GroupFanout] = []
        do {
            let accounts = BenchAccounts(databaseURL: flux.databaseURL, gateHost: flux.gateHost, gatePort: flux.gatePort)
            let prefix = "g\(UUID().uuidString.prefix(6).lowercased())"
            let count = options.groups * options.members
            progress("group: creating \(count) users and \(options.groups) groups")
            let uids = try await accounts.createUsers(count, prefix: prefix, logN: 10, pairs: false)
            let store = try await FluxServer.openStore(flux.databaseURL)
            var gids: [Int64] = []
            for group in 0..<options.groups {
                let members = Array(uids[(group * options.members)..<((group + 1) * options.members)])
                guard case .done(let detail) = try await store.createGroup(
                    name: "bench \(group)", owner: members[0], members: Array(members.dropFirst()),
                    limits: GroupLimits(maxMembers: options.members, maxGroupsPerUser: 1))
                else { throw BenchError("group \(group) not created") }
                gids.append(detail.info.gid)
            }
            progress("group: \(count) HTTP logins and chat sessions")
            let logins = try await accounts.logIn(prefix: prefix, indices: 0..<count)
            let sessions = try await withThrowingTaskGroup(of: [(Int, BenchSession)].self) { group in
                let lanes = 16
                for lane in 0..<lanes {
                    group.addTask {
                        var mine: [(Int, BenchSession)] = []
                        for index in stride(from: lane, to: count, by: lanes) {
                            let login = logins[index]
                            mine.append((index, try await BenchSession.open(
                                uid: login.uid, token: login.token, host: login.host, port: login.port,
                                sourceHost: "127.0.0.\(2 + index / 20_000)")))
                        }
                        return mine
                    }
                }
                return try await group.reduce(into: [BenchSession?](repeating: nil, count: count)) { all, mine in
                    for (index, session) in mine { all[index] = session }
                }.map { $0! }
            }
            let counters = GroupCounters()
            for group in 0..<options.groups {
                let members = Array(sessions[(group * options.members)..<((group + 1) * options.members)])
                fanouts.append(GroupFanout(
                    gid: gids[group], sender: members[0], receivers: Array(members.dropFirst()), window: options.window, counters: counters))
            }
            let storedBefore = try await store.groupMessageCount()
            progress("group: sending for \(options.warmup)s warm-up + \(options.duration)s")
            for fanout in fanouts { fanout.start() }
            try await Task.sleep(for: .seconds(options.warmup))
            counters.measuring.store(true, ordering: .relaxed)
            let (startDeliveries, startTexts) = (counters.deliveries.load(ordering: .relaxed), counters.completed.load(ordering: .relaxed))
            let start = ContinuousClock.now
            try await Task.sleep(for: .seconds(options.duration))
            let (endDeliveries, endTexts) = (counters.deliveries.load(ordering: .relaxed), counters.completed.load(ordering: .relaxed))
            let elapsed = start.duration(to: .now)
            counters.measuring.store(false, ordering: .relaxed)
            counters.stopped.store(true, ordering: .relaxed)
            // Every acknowledged text must reach every member; give the tail a moment.
            let deadline = ContinuousClock.now.advanced(by: .seconds(20))
            while ContinuousClock.now < deadline, fanouts.contains(where: { $0.incomplete > 0 }) {
                try await Task.sleep(for: .milliseconds(200))
            }
            let storedAfter = try await store.groupMessageCount()
            try await store.close()
            let memory = flux.chatResidentBytes
            var latency = Histogram<UInt64>(highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: .three)
            for fanout in fanouts { latency.add(fanout.latencies) }
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            var result = BenchResult(scenario: "group", parameters: [
                "groups": "\(options.groups)", "members": "\(options.members)", "window": "\(options.window)",
                "duration": "\(options.duration)s", "sqlite synchronous": options.sqliteSynchronous,
            ])
            result.add("fan-out deliveries", Double(endDeliveries - startDeliveries) / seconds, "msg/s")
            result.add("texts to every member", Double(endTexts - startTexts) / seconds, "texts/s")
            result.addLatencies("send→last member", latency)
            let acknowledged = counters.acknowledged.load(ordering: .relaxed)
            result.add("acknowledged (1134)", Double(acknowledged), "")
            result.add("stored rows", Double(storedAfter - storedBefore), "")
            result.add("texts not received by every member", Double(fanouts.reduce(0) { $0 + $1.incomplete }), "")
            result.add("refused", Double(counters.refused.load(ordering: .relaxed)), "")
            if let memory { result.add("chat server RSS", Double(memory) / 1_048_576, "MiB") }
            let incomplete = fanouts.reduce(0) { $0 + $1.incomplete }
            if incomplete > 0 {
                // Tells a stalled sender (texts never answered) from a lost delivery (answered, not received).
                let unanswered = fanouts.reduce(0) { $0 + $1.unacknowledged }
                result.notes.append("\(incomplete) texts not received by every member: \(unanswered) of them never answered (1134)")
            }
            if storedAfter - storedBefore != acknowledged {
                result.notes.append("stored rows differ from acknowledged texts: each text should be one row")
            }
            for session in sessions { session.close() }
            await flux.stop()
            return result
        } catch {
            for fanout in fanouts {
                fanout.sender.close()
                for receiver in fanout.receivers { receiver.close() }
            }
            await flux.stop()
            throw error
        }
    }
}
