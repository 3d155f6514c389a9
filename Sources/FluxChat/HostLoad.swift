import Foundation

/// CPU and memory use of this host, read from /proc, for the load status balances on.
enum HostLoad {
    /// The 1-minute load average over the number of cores, capped at 1.
    static func cpu() -> Double {
        guard let text = try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8),
            let first = text.split(separator: " ").first, let load = Double(first)
        else { return 0 }
        return min(1, load / Double(max(ProcessInfo.processInfo.activeProcessorCount, 1)))
    }

    /// The share of memory in use (1 − MemAvailable / MemTotal).
    static func memory() -> Double {
        guard let text = try? String(contentsOfFile: "/proc/meminfo", encoding: .utf8) else { return 0 }
        var total: Double?
        var available: Double?
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: " ", omittingEmptySubsequences: true)
            guard parts.count >= 2, let value = Double(parts[1]) else { continue }
            if parts[0] == "MemTotal:" { total = value }
            if parts[0] == "MemAvailable:" { available = value }
        }
        guard let total, let available, total > 0 else { return 0 }
        return max(0, min(1, 1 - available / total))
    }
}
