#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The process's open-file limit, raised at start to the hard limit, and how it is shared: a reserve for
/// the store, Redis, RPC peers and files, then the listeners' connection caps, so a flood of client
/// connections can never starve the rest of descriptors.
public struct DescriptorBudget: Sendable, Hashable {
    /// The soft limit after raising it.
    public let limit: Int
    /// Descriptors kept for everything that is not a client connection.
    public let reserve: Int

    public init(limit: Int, reserve: Int) {
        self.limit = limit
        self.reserve = reserve
    }

    /// Raises the soft open-file limit to the hard limit and returns the budget (`reserve` kept back,
    /// at most a quarter of the limit).
    public static func raiseToHardLimit(reserve: Int = 256) -> DescriptorBudget {
        var limits = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limits) == 0 else { return DescriptorBudget(limit: 1024, reserve: min(reserve, 256)) }
        if limits.rlim_cur < limits.rlim_max {
            var raised = limits
            raised.rlim_cur = limits.rlim_max
            if setrlimit(Int32(RLIMIT_NOFILE.rawValue), &raised) == 0 { limits = raised }
        }
        let limit = Int(min(limits.rlim_cur, 1 << 30))  // RLIM_INFINITY is the largest value: clamped too
        return DescriptorBudget(limit: limit, reserve: min(reserve, limit / 4))
    }

    /// Descriptors client connections may use, across every listener of the process.
    public var forConnections: Int { max(16, limit - reserve) }
}
