import ArgumentParser
import FluxStore
import Foundation

/// `flux admin messages UID [--with UID] [--since SEQ]`: stored texts, straight from the store.
struct AdminMessages: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "messages",
        abstract: "A user's stored texts: with --with, one conversation (after --since SEQ); else the newest of all.")

    @OptionGroup var common: CommonOptions
    @OptionGroup var output: OutputOptions
    @Argument(help: "uid") var uid: Int64
    @Option(help: "Only the conversation with this uid.") var with: Int64?
    @Option(help: "With --with: only sequence numbers above this one.") var since: Int64?
    @Option(help: "At most this many.") var limit: Int = 100

    func validate() throws {
        if since != nil && with == nil { throw ValidationError("--since needs --with") }
    }

    func run() async throws {
        let store = try await AdminStore.open(common)
        guard try await store.user(uid: uid) != nil else {
            try await store.close()
            throw AdminFailure("no user \(uid)")
        }
        let count = max(1, min(limit, 10_000))
        let messages: [StoredMessage]
        if let with {
            messages = try await store.history(uid: uid, peer: with, page: since.map { .after($0) } ?? .latest, limit: count)
        } else {
            messages = try await store.recentMessages(of: uid, limit: count)
        }
        try await store.close()
        output.print(messages.map(MessageView.init), columns: MessageView.columns)
    }
}

struct MessageView: Encodable, TableRow {
    var seq: Int64
    var from: Int64
    var to: Int64
    var msgid: String
    var time: String
    var content: String

    static let columns = ["seq", "from", "to", "msgid", "time", "content"]

    init(_ message: StoredMessage) {
        seq = message.seq
        from = message.fromUID
        to = message.toUID
        msgid = message.clientMsgID
        time = adminTime(milliseconds: message.createdAt)
        content = message.content
    }

    var cells: [String] {
        ["\(seq)", "\(from)", "\(to)", msgid, time, content.count > 60 ? String(content.prefix(57)) + "..." : content]
    }
}
