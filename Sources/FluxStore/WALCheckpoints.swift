import GRDB
import GRDBSQLite
import Synchronization

/// When the writer copies SQLite's write-ahead log back into the database (a checkpoint).
///
/// SQLite's own rule (`wal_autocheckpoint`) runs the copy inside the commit that crosses a threshold, and
/// everything queued behind that commit waits for it. Here the copy is made where no text waits: the
/// chat node's commit thread asks for it when its queue runs empty (`checkpointIfDue`), once `idlePages`
/// are in the log. Only a log that reaches `forcedPages` (a writer that is never idle, or writes that do not
/// go through the commit thread) is copied inside a commit, as SQLite would.
final class WALCheckpoints: Sendable {
    /// Pages in the log after which an idle writer copies it back.
    let idlePages: Int32
    /// Pages in the log after which the commit that wrote them copies it back.
    let forcedPages: Int32
    /// Pages in the log after the last commit (SQLite's WAL hook reports them).
    private let pages = Atomic<Int32>(0)
    /// Of those, the pages the last checkpoint copied: the log starts over at the next commit once a
    /// checkpoint copied all of it and no reader still uses it; until then its size only grows.
    private let copied = Atomic<Int32>(0)

    init(idlePages: Int32, forcedPages: Int32) {
        self.idlePages = idlePages
        self.forcedPages = forcedPages
    }

    /// Installs the hook on the writer connection: it records the log's size after each commit and
    /// checkpoints past `forcedPages`. Replaces SQLite's automatic checkpoints on that connection.
    func install(on db: Database) {
        // The connection's `prepareDatabase` closure holds this object, and the connection's
        // configuration holds that closure for as long as the connection lives.
        let context = Unmanaged.passUnretained(self).toOpaque()
        sqlite3_wal_hook(db.sqliteConnection, { context, connection, name, pages in
            guard let context else { return SQLITE_OK }
            let checkpoints = Unmanaged<WALCheckpoints>.fromOpaque(context).takeUnretainedValue()
            checkpoints.pages.store(pages, ordering: .relaxed)
            // A smaller log than was copied: it started over.
            if pages < checkpoints.copied.load(ordering: .relaxed) { checkpoints.copied.store(0, ordering: .relaxed) }
            if pages >= checkpoints.forcedPages {
                // What SQLite's default hook does; a busy reader only makes the copy partial.
                sqlite3_wal_checkpoint_v2(connection, name, SQLITE_CHECKPOINT_PASSIVE, nil, nil)
            }
            return SQLITE_OK
        }, context)
    }

    /// Whether an idle writer should checkpoint now: `idlePages` not yet copied.
    var isDue: Bool { pages.load(ordering: .relaxed) - copied.load(ordering: .relaxed) >= idlePages }

    /// A checkpoint found `logged` pages in the log and copied `copied` of them (on the writer's queue).
    func checkpointed(logged: Int32, copied: Int32) {
        pages.store(max(0, logged), ordering: .relaxed)
        self.copied.store(max(0, copied), ordering: .relaxed)
    }
}
