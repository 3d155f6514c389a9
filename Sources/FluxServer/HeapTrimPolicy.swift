/// When to hand the allocator's unused memory back to the system: once at least `threshold` more bytes
/// lie free in its arenas than after the last trim (or than the least seen since). A trim costs a walk
/// over every free chunk and page faults when the memory is used again, so memory that churns in steady
/// traffic is left alone; a burst that leaves much of it free (thousands of logins) is returned.
struct HeapTrimPolicy: Sendable {
    /// Bytes newly free that make a trim worth its cost; 0: never trim.
    let threshold: Int
    /// Free bytes just after the last trim, lowered whenever fewer are free.
    private(set) var mark = 0

    init(threshold: Int) {
        self.threshold = threshold
    }

    /// Whether to trim now, with `free` bytes free in the allocator's arenas.
    mutating func shouldTrim(free: Int) -> Bool {
        mark = min(mark, free)
        guard threshold > 0, free - mark >= threshold else { return false }
        mark = free
        return true
    }
}
