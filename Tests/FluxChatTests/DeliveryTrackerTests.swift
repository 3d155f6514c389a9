@testable import FluxChat
import FluxStore
import Foundation
import Logging
import Synchronization
import Testing

/// Texts are marked delivered only once their frames have been out for the tracker's delay, measured on
/// an injected clock.
@Suite struct DeliveryTrackerTests {
    @Test func marksOnlyTextsOutForTheDelay() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("flux-tracker-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let store = try SQLiteStore(path: folder + "/flux.sqlite")
        let a = try await store.createUser(NewUser(name: "ta", email: "ta@example.com", passwordHash: "x", icon: ""))
        let b = try await store.createUser(NewUser(name: "tb", email: "tb@example.com", passwordHash: "x", icon: ""))
        let stored = try await store.appendMessages((0..<3).map { NewMessage(fromUID: a.uid, toUID: b.uid, clientMsgID: "m\($0)", content: "x") })
        let clock = Atomic<UInt64>(1_000_000_000)
        // A long scheduling interval: only the explicit flushes below run.
        let tracker = DeliveryTracker(
            store: store, logger: Logger(label: "t"), delay: .milliseconds(500), interval: .seconds(3600),
            now: { clock.load(ordering: .relaxed) })

        tracker.delivered([stored[0].id, stored[1].id])
        clock.add(400_000_000, ordering: .relaxed)
        tracker.delivered([stored[2].id])
        await tracker.flush(all: false)
        #expect(try await store.undeliveredMessages(to: b.uid, after: 0, limit: 10).count == 3, "nothing is out for 500 ms yet")
        clock.add(200_000_000, ordering: .relaxed)
        await tracker.flush(all: false)
        #expect(try await store.undeliveredMessages(to: b.uid, after: 0, limit: 10).map(\.id) == [stored[2].id])
        await tracker.flush(all: true)
        #expect(try await store.undeliveredMessages(to: b.uid, after: 0, limit: 10).isEmpty)
        try await store.close()
    }
}
