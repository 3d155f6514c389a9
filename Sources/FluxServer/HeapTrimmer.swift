import CMalloc
import Dispatch
import Logging
import Metrics
import ServiceLifecycle

/// Returns memory glibc's allocator keeps but no longer uses to the system (`malloc_trim`), when
/// `HeapTrimPolicy` says enough of it piled up. Without it, memory a burst freed stays resident: every
/// thread's arena keeps the pages that connections' short-lived buffers used, interleaved with the
/// long-lived state, so an idle server holds about twice the memory its connections need.
struct HeapTrimmer: Service {
    let interval: Duration
    let policy: HeapTrimPolicy
    let logger: Logger

    func run() async throws {
        // malloc_trim walks every arena holding its lock: a blocking call, on a queue of its own.
        let queue = DispatchQueue(label: "flux.heap-trim")
        let trims = Counter(label: "flux_heap_trims_total")
        let interval = self.interval
        let start = policy
        try? await cancelWhenGracefulShutdown {
            var policy = start
            while !Task.isCancelled {
                try? await Task.sleep(for: interval)
                let free = await Self.onQueue(queue) { Int(mallinfo2().fordblks) }
                guard policy.shouldTrim(free: free) else { continue }
                let started = ContinuousClock.now
                await Self.onQueue(queue) { _ = malloc_trim(0) }
                let took = Int(started.duration(to: .now) / .microseconds(1))
                trims.increment()
                self.logger.debug("heap trimmed", metadata: ["free_bytes": "\(free)", "took_us": "\(took)"])
            }
        }
    }

    private static func onQueue<T: Sendable>(_ queue: DispatchQueue, _ body: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            queue.async { continuation.resume(returning: body()) }
        }
    }
}
