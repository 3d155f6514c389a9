import Foundation

/// Paths for the files a test writes (databases, data folders, certificates), all under one folder of
/// this test process that is removed when it exits: a run of the suite leaves nothing behind in the
/// temporary directory. Folders of earlier runs that did not exit (a crash, a kill) are removed by the
/// next run.
public enum TestFolder {
    private static let prefix = "flux-tests-"

    /// `<tmp>/flux-tests-<pid>`, created on first use.
    static let parent: String = {
        let temporary = FileManager.default.temporaryDirectory.path
        removeFoldersOfEndedRuns(in: temporary)
        let parent = temporary + "/" + prefix + "\(getpid())"
        try? FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true)
        atexit { try? FileManager.default.removeItem(atPath: TestFolder.parent) }
        return parent
    }()

    /// A new path `<parent>/<name>-<uuid>` (not created: the caller makes the folder or file).
    public static func path(_ name: String) -> String {
        parent + "/" + name + "-" + UUID().uuidString
    }

    private static func removeFoldersOfEndedRuns(in temporary: String) {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: temporary)) ?? []
        for entry in entries where entry.hasPrefix(prefix) {
            guard let pid = pid_t(entry.dropFirst(prefix.count)), pid != getpid() else { continue }
            if kill(pid, 0) != 0, errno == ESRCH {
                try? FileManager.default.removeItem(atPath: temporary + "/" + entry)
            }
        }
    }
}
