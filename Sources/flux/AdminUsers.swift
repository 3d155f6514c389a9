import ArgumentParser
import FluxCrypto
import FluxGate
import FluxServer
import FluxStore
import Foundation
import NIOPosix

/// `flux admin users …`: accounts, straight in the configured store.
struct AdminUsers: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "users", abstract: "List, show, create, disable, enable accounts and reset passwords.",
        subcommands: [List.self, Show.self, Create.self, Disable.self, Enable.self, Delete.self, ResetPassword.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List accounts by uid.")
        @OptionGroup var common: CommonOptions
        @OptionGroup var output: OutputOptions
        @Option(help: "Only uids above this one (paging).") var after: Int64 = 0
        @Option(help: "At most this many.") var limit: Int = 100

        func run() async throws {
            let store = try await AdminStore.open(common)
            let users = try await store.users(after: after, limit: max(1, min(limit, 10_000)))
            try await store.close()
            output.print(users.map(UserView.init), columns: UserView.columns)
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show one account by uid, e-mail or name (exit 1 if none).")
        @OptionGroup var common: CommonOptions
        @OptionGroup var output: OutputOptions
        @Argument(help: "uid, e-mail or user name") var who: String

        func run() async throws {
            let store = try await AdminStore.open(common)
            let user = try await AdminStore.find(who, in: store)
            try await store.close()
            guard let user else { throw AdminFailure("no user \(who)") }
            output.print([UserView(user)], columns: UserView.columns)
        }
    }

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create an account without an e-mail code.")
        @OptionGroup var common: CommonOptions
        @OptionGroup var output: OutputOptions
        @Option(help: "E-mail address.") var email: String
        @Option(help: "User name (unique, not all digits).") var name: String
        @Option(help: "Password.") var password: String
        @Option(help: "Nickname (default: the name).") var nick: String?

        func validate() throws {
            guard email.contains("@"), !name.isEmpty, !name.allSatisfy(\.isNumber), !password.isEmpty else {
                throw ValidationError("need an e-mail with @, a name that is not all digits, and a password")
            }
        }

        func run() async throws {
            let configuration = try await common.load(roles: "all")
            let store = try await AdminStore.open(common, configuration: configuration)
            let hash = try await AdminStore.hash(password, configuration)
            let result: Result<User, StoreError>
            do {
                result = .success(try await store.createUser(NewUser(name: name, email: email, passwordHash: hash, nick: nick)))
            } catch {
                result = .failure(error)
            }
            try await store.close()
            switch result {
            case .success(let user):
                output.print([UserView(user)], columns: UserView.columns)
            case .failure(let failure):
                guard failure.code == .duplicate else { throw failure }
                throw AdminFailure("\(failure.field ?? "e-mail or name") already registered")
            }
        }
    }

    struct Disable: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Disable an account: it can no longer log in; a live session is kicked and its token dropped.")
        @OptionGroup var common: CommonOptions
        @OptionGroup var cluster: ClusterOptions
        @Argument(help: "uid") var uid: Int64

        func run() async throws {
            try await AdminStore.setDisabled(uid, true, common)
            await AdminStore.forget(uid, common, cluster)
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Delete an account with its friendships, requests and messages (needs --yes); a live session is kicked.")
        @OptionGroup var common: CommonOptions
        @OptionGroup var cluster: ClusterOptions
        @Argument(help: "uid") var uid: Int64
        @Flag(help: "Confirm: the deletion cannot be undone.") var yes = false

        func validate() throws {
            guard yes else { throw ValidationError("deleting \(uid) cannot be undone: add --yes") }
        }

        func run() async throws {
            let store = try await AdminStore.open(common)
            let deleted = try await store.deleteUser(uid: uid)
            try await store.close()
            guard deleted else { throw AdminFailure("no user \(uid)") }
            print("user \(uid) deleted")
            await AdminStore.forget(uid, common, cluster)
        }
    }

    struct Enable: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Enable a disabled account.")
        @OptionGroup var common: CommonOptions
        @Argument(help: "uid") var uid: Int64

        func run() async throws { try await AdminStore.setDisabled(uid, false, common) }
    }

    struct ResetPassword: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "reset-password", abstract: "Set a new password without an e-mail code.")
        @OptionGroup var common: CommonOptions
        @Argument(help: "uid") var uid: Int64
        @Option(help: "The new password.") var password: String

        func run() async throws {
            let configuration = try await common.load(roles: "all")
            let store = try await AdminStore.open(common, configuration: configuration)
            let hash = try await AdminStore.hash(password, configuration)
            let updated = try await store.updatePasswordHash(uid: uid, to: hash)
            try await store.close()
            guard updated else { throw AdminFailure("no user \(uid)") }
            print("password of \(uid) reset")
        }
    }
}

/// An account as `flux admin` prints it (never the password hash).
struct UserView: Encodable, TableRow {
    var uid: Int64
    var name: String
    var email: String
    var nick: String
    var disabled: Bool
    var created: String

    static let columns = ["uid", "name", "email", "nick", "disabled", "created"]

    init(_ user: User) {
        uid = user.uid
        name = user.name
        email = user.email
        nick = user.nick
        disabled = user.disabled
        created = adminTime(milliseconds: user.createdAt)
    }

    var cells: [String] { ["\(uid)", name, email, nick, disabled ? "yes" : "no", created] }
}

/// Opening the store and the helpers the admin commands share.
enum AdminStore {
    static func open(_ common: CommonOptions, configuration: FluxConfiguration? = nil) async throws -> any Store {
        let loaded: FluxConfiguration
        if let configuration {
            loaded = configuration
        } else {
            loaded = try await common.load(roles: "all")
        }
        let configuration = loaded
        do {
            return try await FluxServer.openStore(configuration.effectiveDatabaseURL)
        } catch {
            FileHandle.standardError.write(Data("flux: \(error)\n".utf8))
            throw ExitCode(1)
        }
    }

    static func find(_ who: String, in store: any Store) async throws -> User? {
        if let uid = Int64(who) { return try await store.user(uid: uid) }
        if who.contains("@") { return try await store.user(email: who) }
        return try await store.user(name: who)
    }

    static func hash(_ password: String, _ configuration: FluxConfiguration) async throws -> String {
        try await PasswordWorker(hasher: PasswordHasher(parameters: configuration.passwordParameters), threadPool: .singleton).hash(password)
    }

    /// Kicks `uid` and drops its token and cached profile in the running cluster; a warning (not a
    /// failure) when the cluster is not running, since the store change already happened.
    static func forget(_ uid: Int64, _ common: CommonOptions, _ cluster: ClusterOptions) async {
        do {
            let admin = try cluster.connect(try await common.load(roles: "all"))
            if try await admin.forget(uid: uid) { print("user \(uid) was online: kicked") }
        } catch {
            FileHandle.standardError.write(Data("flux: warning: the running cluster was not told (\(error)); a session of \(uid) stays until it ends\n".utf8))
        }
    }

    static func setDisabled(_ uid: Int64, _ disabled: Bool, _ common: CommonOptions) async throws {
        let store = try await open(common)
        let changed = try await store.setDisabled(uid: uid, disabled)
        try await store.close()
        guard changed else { throw AdminFailure("no user \(uid)") }
        print("user \(uid) \(disabled ? "disabled" : "enabled")")
    }
}
