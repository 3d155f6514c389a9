import Foundation

/// Starts `process` under one lock for the whole test run. Foundation's `Process.run()` on Linux crashed
/// (a bad read in its memcpy, three times in loaded runs of the suite) when several threads started
/// processes at the same moment; one start at a time costs a few milliseconds.
public func launchProcess(_ process: Process) throws {
    try processLaunchLock.withLock { try process.run() }
}

private let processLaunchLock = NSLock()
