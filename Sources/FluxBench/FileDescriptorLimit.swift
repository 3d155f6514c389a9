#if canImport(Glibc)
import Glibc
#endif

/// The open-file limit, raised as far as the hard limit allows (children started later inherit it).
enum FileDescriptorLimit {
    /// Raises the soft limit to the hard one; returns the limit now in force.
    static func raise() -> Int {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return 1024 }
        limit.rlim_cur = limit.rlim_max
        _ = setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
        getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
        return Int(limit.rlim_cur)
    }
}
