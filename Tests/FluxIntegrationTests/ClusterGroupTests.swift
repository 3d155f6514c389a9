import FluxClient
import FluxProtocol
import Foundation
import Testing

/// Group chat across two chat nodes sharing one store and one Redis.
@Suite(.serialized) struct ClusterGroupTests {
    @Test(arguments: ["sqlite", "mariadb"])
    func membersOnTwoNodesReceiveEveryText(_ store: String) async throws {
        let redis = try await testRedisURL(database: store == "sqlite" ? 10 : 11)
        let cluster = try await ClusterTests.Cluster.start(redis: redis, database: try await ClusterTests.sharedDatabase(store))
        defer { cluster.stop() }
        var members: [(account: CrashRecoveryTests.Account, chat: ChatClient, port: Int)] = []
        for (index, name) in ["cg-ana", "cg-bob", "cg-cid", "cg-dee"].enumerated() {
            let account = try await cluster.register("\(name)-\(store)")
            // Alternate nodes explicitly: status would spread them too, but only once it saw the sessions.
            let ports = cluster.nodes.values.map(\.port).sorted()
            let (chat, port) = try await cluster.connect(account, port: ports[index % 2])
            _ = try await chat.next(.notifyBacklogDone)
            members.append((account, chat, port))
        }
        #expect(Set(members.map(\.port)).count == 2, "members on both nodes")
        let owner = members[0]
        for other in members.dropFirst() {
            _ = try await owner.chat.request(.addFriend, AddFriendRequest(applyname: "ana", bakname: "x", touid: other.account.uid), as: ErrorReply.self)
            _ = try await other.chat.next(.notifyAddFriend)
            let accepted = try await other.chat.request(.authFriend, AuthFriendRequest(touid: owner.account.uid, back: "ana"), as: ErrorReply.self)
            #expect(accepted.error == .success)
            _ = try await owner.chat.next(.notifyAuthFriend)
        }
        let created = try await owner.chat.request(
            .groupCreate, GroupCreateRequest(name: "across", members: members.dropFirst().map(\.account.uid)), as: GroupDetailResponse.self)
        #expect(created.error == .success && created.members.count == 4)
        let gid = created.gid
        for other in members.dropFirst() {
            #expect(try await other.chat.next(.notifyGroup, as: GroupEventNotice.self).kind == .created, "the notice crossed nodes")
        }

        // Every member sends at once, from both nodes.
        let perMember = 15
        for round in 0..<perMember {
            for (index, member) in members.enumerated() {
                try member.chat.send(.groupText, GroupTextMessage(gid: gid, textArray: [TextItem(msgid: "m\(index)-\(round)", content: "\(index):\(round)")]))
            }
        }
        for member in members {
            for _ in 0..<perMember {
                #expect(try await member.chat.next(.groupText.response, as: GroupTextMessage.self).error == .success)
            }
        }
        // Each member gets every other member's texts once, in seq order, without gaps but its own.
        let total = perMember * members.count
        for (index, member) in members.enumerated() {
            var seqs: [Int64] = []
            var senders: [Int: Int] = [:]
            for _ in 0..<(total - perMember) {
                let text = try await member.chat.next(.notifyGroupText, as: GroupTextMessage.self, timeout: .seconds(10))
                seqs += text.textArray.compactMap(\.seq)
                let sender = Int(text.textArray.first?.content.split(separator: ":").first ?? "") ?? -1
                senders[sender, default: 0] += 1
            }
            #expect(seqs == seqs.sorted() && Set(seqs).count == seqs.count, "member \(index): in order, once")
            #expect(senders[index] == nil, "member \(index) was not sent its own texts")
            #expect(senders.values.allSatisfy { $0 == perMember } && senders.count == members.count - 1, "member \(index): \(senders)")
        }
        let history = try await members[3].chat.request(.groupHistory, GroupHistoryRequest(gid: gid, limit: 200), as: GroupHistoryResponse.self)
        #expect(history.messages.map(\.seq) == Array(1...Int64(total)))
    }
}
