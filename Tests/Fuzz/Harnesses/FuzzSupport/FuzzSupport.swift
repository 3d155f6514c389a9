// What every harness shares: running libFuzzer, and failing loudly when a property does not hold.
@_exported import CLibFuzzer

#if canImport(Glibc)
import Glibc
#endif

/// Hands the process to libFuzzer, which calls `callback` with each input (`-runs`, `-max_total_time`,
/// corpus folders and crash files work as for any libFuzzer binary).
public func runFuzzer(_ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt) -> Never {
    var argc = CommandLine.argc
    var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
    exit(LLVMFuzzerRunDriver(&argc, &argv, callback))
}

/// The input as a buffer (libFuzzer passes a null pointer for the empty input).
public func fuzzInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> UnsafeBufferPointer<UInt8> {
    UnsafeBufferPointer(start: size == 0 ? nil : data, count: size)
}

/// Stops with a message libFuzzer reports as a crash, keeping the input that broke `condition`.
public func check(_ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String,
                  file: StaticString = #fileID, line: UInt = #line) {
    if !condition() { fatalError("property failed: \(message())", file: file, line: line) }
}
