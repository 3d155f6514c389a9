import Foundation

/// Paths for the files a test writes (databases, data folders, certificates), all under one folder of
/// this test process that is removed when it exits: a run of the suite leaves nothing behind in the
/// temporary directory. Folders of earlier runs that did not exit (a crash, a kill) are removed by the
/// next run.
public enum TestFolder {
    private static let prefix = "flux-tests-"

    /// `<tmp>/flux-tests-<pid>-XXXXXX`, made on first use by `mkdtemp` (a new folder, mode 0700: the
    /// tests' secrets and keys never land in a folder someone else made).
    static let parent: String = {
        let temporary = FileManager.default.temporaryDirectory.path
        var template = Array((temporary + "/" + prefix + "\(getpid())-XXXXXX").utf8CString)
        let made = template.withUnsafeMutableBufferPointer { buffer in mkdtemp(buffer.baseAddress!) }
        precondition(made != nil, "cannot make a folder for the tests' files in \(temporary): errno \(errno)")
        let parent = String(cString: template)
        atexit { try? FileManager.default.removeItem(atPath: TestFolder.parent) }
        // Off the first caller's thread: a crashed run may have left a large folder (a MariaDB data folder).
        Thread.detachNewThread { removeFoldersOfEndedRuns(in: temporary) }
        return parent
    }()

    /// A new path `<parent>/<name>-<uuid>` (not created: the caller makes the folder or file).
    public static func path(_ name: String) -> String {
        parent + "/" + name + "-" + UUID().uuidString
    }

    /// Removes `flux-tests-<pid>-…` folders whose process is gone (never one of a live process, ours or
    /// another user's).
    private static func removeFoldersOfEndedRuns(in temporary: String) {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: temporary)) ?? []
        for entry in entries where entry.hasPrefix(prefix) {
            guard let pid = pid_t(entry.dropFirst(prefix.count).prefix { $0 != "-" }), pid != getpid() else { continue }
            if kill(pid, 0) != 0, errno == ESRCH {
                try? FileManager.default.removeItem(atPath: temporary + "/" + entry)
            }
        }
    }
}
