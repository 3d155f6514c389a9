@testable import FluxServer
import Testing

/// When the heap trimmer hands free memory back: only after a pile-up of `threshold` newly free bytes.
@Suite struct HeapTrimPolicyTests {
    /// The policy's answer to each reading of free MiB, in order.
    static func decisions(threshold mib: Int, _ free: [Int]) -> [Bool] {
        var policy = HeapTrimPolicy(threshold: mib << 20)
        return free.map { policy.shouldTrim(free: $0 << 20) }
    }

    @Test func trimsOnceEnoughIsNewlyFreeAndNotAgainForTheSameMemory() {
        // Trimmed pages still count as free: the same 40 MiB is no reason to trim again.
        #expect(Self.decisions(threshold: 16, [15, 40, 40, 55, 56]) == [false, true, false, false, true])
    }

    @Test func memoryUsedAgainAndFreedAgainIsTrimmedAgain() {
        // Connections take the memory back (5), then a burst frees it again.
        #expect(Self.decisions(threshold: 16, [30, 5, 20, 21]) == [true, false, false, true])
    }

    @Test func churnBelowTheThresholdIsLeftAlone() {
        // The first 17 MiB free are 17 more than at start: one trim; then 15 MiB come and go.
        let churn = (0..<1_000).map { $0 % 2 == 0 ? 2 : 17 }
        let decisions = Self.decisions(threshold: 16, churn)
        #expect(decisions[1] && decisions.filter { $0 }.count == 1)
    }

    @Test func zeroNeverTrims() {
        #expect(Self.decisions(threshold: 0, [0, 1 << 20]) == [false, false])
    }

    @Test func theThresholdIsConfigurable() async throws {
        let loader = ConfigurationLoader(environment: ["FLUX_MEMORY_TRIM_THRESHOLD_MIB": "0"])
        #expect(try await loader.load(roles: Set(Role.allCases)).memoryTrimThresholdMiB == 0)
        let bad = ConfigurationLoader(environment: ["FLUX_MEMORY_TRIM_THRESHOLD_MIB": "-1"])
        await #expect(throws: ConfigurationError.self) { try await bad.load(roles: Set(Role.allCases)) }
    }
}
