import CMalloc
import Metrics
import Prometheus
import Synchronization

/// The process's Prometheus registry, installed once as the swift-metrics backend.
///
/// swift-metrics allows one bootstrap per process, and instruments made before it report nowhere, so
/// `FluxServer` bootstraps before it builds any role.
public enum FluxMetrics {
    /// Where every instrument of this process is registered.
    public static let registry = PrometheusCollectorRegistry()
    private static let bootstrapped = Mutex(false)

    /// Installs the Prometheus factory as the metrics backend (once; later calls do nothing).
    public static func bootstrap() {
        bootstrapped.withLock { done in
            guard !done else { return }
            done = true
            var factory = PrometheusMetricsFactory(registry: registry)
            // Chat latencies are well under a millisecond: the default buckets start at 5 ms.
            factory.defaultDurationHistogramBuckets = [
                .microseconds(50), .microseconds(100), .microseconds(250), .microseconds(500),
                .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10), .milliseconds(25),
                .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500),
                .seconds(1), .milliseconds(2500), .seconds(5), .seconds(10),
            ]
            MetricsSystem.bootstrap(factory)
        }
    }

    /// The Prometheus text exposition of every instrument, and the process's heap read at this moment.
    @Sendable public static func exposition() -> [UInt8] {
        registry.emitToBuffer() + Array(heapExposition().utf8)
    }

    /// Bytes allocated with malloc and not yet freed, over every arena (glibc's `mallinfo2`): unlike the
    /// resident size it does not count memory freed but kept by the allocator, so it shows what each
    /// connection really holds.
    public static var heapInUseBytes: Int {
        let info = mallinfo2()
        return Int(info.uordblks + info.hblkhd)
    }

    private static func heapExposition() -> String {
        let info = mallinfo2()
        return """
        # HELP flux_heap_in_use_bytes Bytes allocated with malloc and not freed (glibc mallinfo2, every arena).
        # TYPE flux_heap_in_use_bytes gauge
        flux_heap_in_use_bytes \(Int(info.uordblks + info.hblkhd))
        # HELP flux_heap_free_bytes Bytes the allocator holds free in its arenas (glibc mallinfo2 fordblks).
        # TYPE flux_heap_free_bytes gauge
        flux_heap_free_bytes \(Int(info.fordblks))

        """
    }
}
