import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Starts `process`, one start at a time for the whole test run.
///
/// Foundation's `Process.run()` on Linux lists /proc/self/fd with a read that can run past glibc's
/// directory buffer (swift-corelibs-foundation#5472): with more than about 1,300 descriptors open it
/// crashed the test process in memcpy. No test holds that many here (a flood runs in a process of its own:
/// `flux bench flood`); should one ever do, the start waits for the count to fall, then fails with the
/// reason instead of crashing the suite.
public func launchProcess(_ process: Process) throws {
    let deadline = ContinuousClock.now.advanced(by: .seconds(30))
    while openDescriptorCount() > safeDescriptorCount {
        guard ContinuousClock.now < deadline else {
            throw ProcessLaunchRefused(
                "this test process holds \(openDescriptorCount()) descriptors; Process.run can crash above about 1,300 "
                    + "(swift-corelibs-foundation#5472): hold many sockets in a child process instead")
        }
        usleep(50_000)
    }
    try processLaunchLock.withLock { try process.run() }
}

private let processLaunchLock = NSLock()
private let safeDescriptorCount = 1_200

/// Open descriptors of this process: the entries of /proc/self/fd, counted without reading their names
/// (reading `d_name` whole is the over-read above).
func openDescriptorCount() -> Int {
    guard let directory = opendir("/proc/self/fd") else { return 0 }
    defer { closedir(directory) }
    var count = 0
    while readdir(directory) != nil { count += 1 }
    return max(0, count - 3)  // ".", ".." and the directory's own descriptor
}

/// A process was not started, and why.
public struct ProcessLaunchRefused: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
