import ArgumentParser
import FluxStore

/// `flux admin friends …`: friendships, straight in the configured store.
struct AdminFriends: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "friends", abstract: "List a user's friends, or make two users friends.", subcommands: [List.self, Add.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "The friends of a user.")
        @OptionGroup var common: CommonOptions
        @OptionGroup var output: OutputOptions
        @Argument(help: "uid") var uid: Int64

        func run() async throws {
            let store = try await AdminStore.open(common)
            guard try await store.user(uid: uid) != nil else {
                try await store.close()
                throw AdminFailure("no user \(uid)")
            }
            let friends = try await store.friends(of: uid)
            try await store.close()
            output.print(friends.map(FriendView.init), columns: FriendView.columns)
        }
    }

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Make A and B friends in both directions, without a request.")
        @OptionGroup var common: CommonOptions
        @Argument(help: "uid A") var a: Int64
        @Argument(help: "uid B") var b: Int64

        func validate() throws {
            guard a != b else { throw ValidationError("A and B must differ") }
        }

        func run() async throws {
            let store = try await AdminStore.open(common)
            guard let userA = try await store.user(uid: a), let userB = try await store.user(uid: b) else {
                try await store.close()
                throw AdminFailure("both users must exist")
            }
            try await store.addFriendship(a, b, backOfB: userB.name, backOfA: userA.name)
            try await store.close()
            print("\(userA.name) (\(a)) and \(userB.name) (\(b)) are friends")
        }
    }
}

struct FriendView: Encodable, TableRow {
    var uid: Int64
    var name: String
    var nick: String
    var back: String

    static let columns = ["uid", "name", "nick", "back"]

    init(_ friend: Friend) {
        uid = friend.user.uid
        name = friend.user.name
        nick = friend.user.nick
        back = friend.back
    }

    var cells: [String] { ["\(uid)", name, nick, back] }
}
