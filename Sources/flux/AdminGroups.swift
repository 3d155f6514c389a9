import ArgumentParser
import FluxStore

/// `flux admin groups …`: groups, straight from the configured store.
struct AdminGroups: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "groups", abstract: "List groups, show one with its members, or delete one.",
        subcommands: [List.self, Show.self, Members.self, Delete.self], defaultSubcommand: List.self)

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Groups by gid (page on with --after the last gid).")
        @OptionGroup var common: CommonOptions
        @OptionGroup var output: OutputOptions
        @Option(help: "Only gids above this one.") var after: Int64 = 0
        @Option(help: "At most this many.") var limit: Int = 100

        func run() async throws {
            let store = try await AdminStore.open(common)
            let groups = try await store.groups(after: after, limit: max(1, min(limit, 10_000)))
            try await store.close()
            output.print(groups.map(GroupView.init), columns: GroupView.columns)
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "One group: name, owner, size, newest seq.")
        @OptionGroup var common: CommonOptions
        @OptionGroup var output: OutputOptions
        @Argument(help: "gid") var gid: Int64

        func run() async throws {
            let detail = try await AdminGroups.detail(gid, common)
            output.print([GroupView(detail.info)], columns: GroupView.columns)
        }
    }

    struct Members: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "A group's members, oldest first, with their roles and cursors.")
        @OptionGroup var common: CommonOptions
        @OptionGroup var output: OutputOptions
        @Argument(help: "gid") var gid: Int64

        func run() async throws {
            let detail = try await AdminGroups.detail(gid, common)
            output.print(detail.members.map(GroupMemberView.init), columns: GroupMemberView.columns)
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Delete a group with its members and texts (members online are not told; their clients see 1024 on the next request).")
        @OptionGroup var common: CommonOptions
        @Argument(help: "gid") var gid: Int64

        func run() async throws {
            let store = try await AdminStore.open(common)
            let members = try await store.deleteGroup(gid: gid)
            try await store.close()
            guard let members else { throw AdminFailure("no group \(gid)") }
            print("deleted group \(gid) (\(members.count) members)")
        }
    }

    static func detail(_ gid: Int64, _ common: CommonOptions) async throws -> GroupDetail {
        let store = try await AdminStore.open(common)
        let detail = try await store.groupDetail(gid: gid)
        try await store.close()
        guard let detail else { throw AdminFailure("no group \(gid)") }
        return detail
    }
}

struct GroupView: Encodable, TableRow {
    var gid: Int64
    var name: String
    var owner: Int64
    var members: Int
    var lastSeq: Int64
    var created: String

    static let columns = ["gid", "name", "owner", "members", "last_seq", "created"]

    init(_ info: GroupInfo) {
        gid = info.gid
        name = info.name
        owner = info.ownerUID
        members = info.memberCount
        lastSeq = info.lastSeq
        created = adminTime(milliseconds: info.createdAt)
    }

    enum CodingKeys: String, CodingKey {
        case gid, name, owner, members, created
        case lastSeq = "last_seq"
    }

    var cells: [String] { ["\(gid)", name, "\(owner)", "\(members)", "\(lastSeq)", created] }
}

struct GroupMemberView: Encodable, TableRow {
    var uid: Int64
    var name: String
    var role: String
    var joined: String
    var deliveredSeq: Int64
    var readSeq: Int64

    static let columns = ["uid", "name", "role", "joined", "delivered_seq", "read_seq"]

    init(_ member: GroupMember) {
        uid = member.uid
        name = member.name
        role = member.role.rawValue
        joined = adminTime(milliseconds: member.joinedAt)
        deliveredSeq = member.deliveredSeq
        readSeq = member.readSeq
    }

    enum CodingKeys: String, CodingKey {
        case uid, name, role, joined
        case deliveredSeq = "delivered_seq"
        case readSeq = "read_seq"
    }

    var cells: [String] { ["\(uid)", name, role, joined, "\(deliveredSeq)", "\(readSeq)"] }
}
