@testable import FluxChat
import FluxStore
import FluxTestSupport
import Foundation
import Logging
import Synchronization
import Testing

/// Texts are marked delivered only once their frames have been out for the tracker's delay, measured on
/// an injected clock.
@Suite struct DeliveryTrackerTests {
    /// Uptime nanoseconds that move only when a test says.
    final class ManualNanos: Sendable {
        let value = Atomic<UInt64>(1_000_000_000)
        func advance(milliseconds: UInt64) { value.add(milliseconds * 1_000_000, ordering: .relaxed) }
    }

    /// A store holding three texts from one user to another, and a tracker (500 ms delay) on a manual
    /// clock whose scheduled flushes never come: only the explicit ones below run.
    struct Fixture {
        let folder: String
        let store: SQLiteStore
        let texts: [StoredMessage]
        let recipient: Int64
        let clock = ManualNanos()
        let tracker: DeliveryTracker

        init() async throws {
            folder = TestFolder.path("flux-tracker")
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            store = try SQLiteStore(path: folder + "/flux.sqlite")
            let a = try await store.createUser(NewUser(name: "ta", email: "ta@example.com", passwordHash: "x", icon: ""))
            let b = try await store.createUser(NewUser(name: "tb", email: "tb@example.com", passwordHash: "x", icon: ""))
            recipient = b.uid
            texts = try await store.appendMessages((0..<3).map { NewMessage(fromUID: a.uid, toUID: b.uid, clientMsgID: "m\($0)", content: "x") })
            let clock = self.clock
            tracker = DeliveryTracker(
                store: store, logger: Logger(label: "t"), delay: .milliseconds(500), interval: .seconds(3600),
                now: { clock.value.load(ordering: .relaxed) })
        }

        /// Ids of the texts not marked delivered.
        func undelivered() async throws -> [Int64] {
            try await store.undeliveredMessages(to: recipient, after: 0, limit: 10).map(\.id)
        }

        func close() async throws {
            try await store.close()
            try? FileManager.default.removeItem(atPath: folder)
        }
    }

    @Test func marksOnlyTextsOutForTheDelay() async throws {
        let fixture = try await Fixture()
        let (tracker, stored) = (fixture.tracker, fixture.texts)
        tracker.delivered([stored[0].id, stored[1].id])
        fixture.clock.advance(milliseconds: 400)
        tracker.delivered([stored[2].id])
        await tracker.flush(all: false)
        #expect(try await fixture.undelivered().count == 3, "nothing is out for 500 ms yet")
        fixture.clock.advance(milliseconds: 200)
        await tracker.flush(all: false)
        #expect(try await fixture.undelivered() == [stored[2].id])
        await tracker.flush(all: true)
        #expect(try await fixture.undelivered().isEmpty)
        try await fixture.close()
    }

    /// Routed into text commits, a flush writes nothing itself: it leaves the due marks for the next
    /// commit and asks for one; a failed commit's marks come back; at shutdown whatever is left is written.
    @Test func routedMarksWaitForATextCommit() async throws {
        let fixture = try await Fixture()
        let (tracker, stored) = (fixture.tracker, fixture.texts)
        let requests = Atomic(0)
        tracker.markTextsInCommits { requests.add(1, ordering: .relaxed) }

        tracker.delivered([stored[0].id, stored[1].id])
        await tracker.flush(all: false)
        #expect(requests.load(ordering: .relaxed) == 0 && tracker.takeReadyTexts().isEmpty, "nothing is due yet")
        fixture.clock.advance(milliseconds: 600)
        tracker.delivered([stored[2].id])
        await tracker.flush(all: false)
        #expect(requests.load(ordering: .relaxed) == 1)
        let due = tracker.takeReadyTexts()
        #expect(due == [stored[0].id, stored[1].id])
        #expect(try await fixture.undelivered().count == 3, "the flush itself wrote nothing")
        tracker.giveBack(due)
        #expect(tracker.takeReadyTexts() == due, "a failed commit's marks go to the next one")
        tracker.giveBack(due)
        await tracker.flush(all: true)
        #expect(try await fixture.undelivered().isEmpty, "shutdown writes what is left")
        try await fixture.close()
    }
}
