@testable import FluxChat
import Testing

@Suite struct LocalRateWindowTests {
    private func admit(_ window: inout LocalRateWindow, cost: Int, limit: Int, window seconds: Double, now: Double) -> Bool {
        window.admit(cost: cost, limit: limit, window: seconds, now: now)
    }

    @Test func countsFirstThenAdmitsWithinTheLimitPerWindow() {
        var window = LocalRateWindow()
        #expect(admit(&window, cost: 2, limit: 3, window: 1, now: 100.1))
        #expect(admit(&window, cost: 1, limit: 3, window: 1, now: 100.5))
        // Over the limit: refused, and the refused use still counts in this window.
        #expect(!admit(&window, cost: 1, limit: 3, window: 1, now: 100.9))
        #expect(!admit(&window, cost: 1, limit: 3, window: 1, now: 100.99))
        // The next window starts from zero.
        #expect(admit(&window, cost: 3, limit: 3, window: 1, now: 101.0))
        #expect(!admit(&window, cost: 4, limit: 3, window: 1, now: 102.2))
        #expect(admit(&window, cost: 1, limit: 60, window: 60, now: 120))
    }
}
