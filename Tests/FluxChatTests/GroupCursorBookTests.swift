@testable import FluxChat
import Testing

/// The per-session group cursors: each text once, in order, gaps caught up from the store.
@Suite struct GroupCursorBookTests {
    @Test func textsInOrderAreQueuedAndRepeatsSkipped() {
        var book = GroupCursorBook()
        book.start(gid: 7, at: 3)
        let decision1 = book.live(gid: 7, seq: 4)
        #expect(decision1 == .queue)
        let decision2 = book.live(gid: 7, seq: 5)
        #expect(decision2 == .queue)
        let decision3 = book.live(gid: 7, seq: 5)
        #expect(decision3 == .skip)
        let decision4 = book.live(gid: 7, seq: 2)
        #expect(decision4 == .skip)
        #expect(book.last(7) == 5)
    }

    @Test func aGapStartsOneCatchUpThatRunsAgainWhenLiveTextsArriveDuringIt() {
        var book = GroupCursorBook()
        book.start(gid: 1, at: 0)
        let decision5 = book.live(gid: 1, seq: 1)
        #expect(decision5 == .queue)
        let decision6 = book.live(gid: 1, seq: 3)
        #expect(decision6 == .catchUp(after: 1))
        // While catching up, live texts are left to it.
        let decision7 = book.live(gid: 1, seq: 4)
        #expect(decision7 == .skip)
        let (second, third, again) = (book.stored(gid: 1, seq: 2), book.stored(gid: 1, seq: 3), book.stored(gid: 1, seq: 3))
        #expect(second && third)
        #expect(!again, "a text read twice is queued once")
        // Texts arrived meanwhile: the catch-up goes on from what it queued.
        let goesOn = book.endCatchUp(gid: 1)
        #expect(goesOn == 3)
        let fourth = book.stored(gid: 1, seq: 4)
        #expect(fourth)
        let over = book.endCatchUp(gid: 1)
        #expect(over == nil)
        let fifth = book.live(gid: 1, seq: 5)
        #expect(fifth == .queue)
    }

    @Test func anUnseenGroupIsCaughtUpFromTheStoredCursor() {
        var book = GroupCursorBook()
        let decision8 = book.live(gid: 9, seq: 12)
        #expect(decision8 == .catchUp(after: nil))
        let decision9 = book.live(gid: 9, seq: 11)
        #expect(decision9 == .skip, "an older live text of another node comes later: left to the catch-up")
        book.start(gid: 9, at: 10)
        let (eleventh, twelfth) = (book.stored(gid: 9, seq: 11), book.stored(gid: 9, seq: 12))
        #expect(eleventh && twelfth)
        let (first, second) = (book.endCatchUp(gid: 9), book.endCatchUp(gid: 9))
        #expect(first == 12 && second == nil)
    }

    @Test func theSweepStartsACatchUpOnlyWhenNoneRunsAndNeverMovesBack() {
        var book = GroupCursorBook()
        book.start(gid: 2, at: 8)
        let (first, second) = (book.beginCatchUp(gid: 2, from: 5), book.beginCatchUp(gid: 2, from: 5))
        #expect(first == 8, "what is queued here is ahead of the stored cursor")
        #expect(second == nil)
        book.abandonCatchUp(gid: 2)
        let next = book.live(gid: 2, seq: 9)
        #expect(next == .queue)
    }

    @Test func aForgottenGroupStartsAfresh() {
        var book = GroupCursorBook()
        book.start(gid: 4, at: 2)
        book.forget(gid: 4)
        #expect(book.last(4) == nil)
        let decision10 = book.live(gid: 4, seq: 3)
        #expect(decision10 == .catchUp(after: nil))
    }
}
