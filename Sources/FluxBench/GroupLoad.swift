import Dispatch
import FluxProtocol
import Histogram
import NIOCore
import Synchronization

/// Counters shared by every group of a group run.
final class GroupCounters: Sendable {
    let acknowledged = Atomic<Int>(0)
    let refused = Atomic<Int>(0)
    /// 1135s received by members.
    let deliveries = Atomic<Int>(0)
    /// Texts every member received.
    let completed = Atomic<Int>(0)
    let stopped = Atomic<Bool>(false)
    let measuring = Atomic<Bool>(false)
}

/// One group: its first member sends with up to `window` texts unacknowledged; every other member
/// counts the text, and the last one to receive it records send → last notify.
final class GroupFanout: @unchecked Sendable {
    // @unchecked: `outstanding` and `sequence` are used only on the sender's event loop; `pending` and
    // `latency` are behind their mutexes (receivers are on many event loops).
    let sender: BenchSession
    let receivers: [BenchSession]
    private let counters: GroupCounters
    private let window: Int
    private var outstanding = 0
    /// `outstanding`, readable off the sender's loop (for the report).
    private let unacknowledgedCount = Atomic<Int>(0)
    private var sequence: UInt64 = 0
    /// Text number → (send time, members still to receive it).
    private let pending = Mutex<[UInt64: (sentAt: UInt64, remaining: Int)]>([:])
    private let latency = Mutex(Histogram<UInt64>(highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: .three))
    private let gid: Int64

    init(gid: Int64, sender: BenchSession, receivers: [BenchSession], window: Int, counters: GroupCounters) {
        self.gid = gid
        self.sender = sender
        self.receivers = receivers
        self.window = window
        self.counters = counters
    }

    private static let msgidMarker = Array(#""msgid":"g"#.utf8)

    func start() {
        let counters = self.counters
        for receiver in receivers {
            receiver.onLoop { [self, receiver] in
                receiver.handler = { [self] frame in
                    guard frame.id == .notifyGroupText, let number = BodyScan.number(after: Self.msgidMarker, in: frame.body) else { return }
                    counters.deliveries.add(1, ordering: .relaxed)
                    received(number)
                }
            }
        }
        sender.onLoop { [self] in
            sender.handler = { [self] frame in
                guard frame.id == MessageID.groupText.response else { return }
                outstanding -= 1
                unacknowledgedCount.subtract(1, ordering: .relaxed)
                if frame.bodyText.contains(#""error":0"#) {
                    counters.acknowledged.add(1, ordering: .relaxed)
                } else {
                    counters.refused.add(1, ordering: .relaxed)
                }
                pump()
            }
            pump()
        }
    }

    private func received(_ number: UInt64) {
        let now = DispatchTime.now().uptimeNanoseconds
        let sentAt = pending.withLock { pending -> UInt64? in
            guard var entry = pending[number] else { return nil }
            entry.remaining -= 1
            if entry.remaining > 0 {
                pending[number] = entry
                return nil
            }
            pending[number] = nil
            return entry.sentAt
        }
        guard let sentAt else { return }
        counters.completed.add(1, ordering: .relaxed)
        if counters.measuring.load(ordering: .relaxed), now > sentAt {
            latency.withLock { _ = $0.record(min((now - sentAt) / 1000, 60_000_000)) }
        }
    }

    private func pump() {
        var sent = false
        while outstanding < window, !counters.stopped.load(ordering: .relaxed) {
            sequence += 1
            let number = sequence
            pending.withLock { $0[number] = (DispatchTime.now().uptimeNanoseconds, receivers.count) }
            sender.connection.write(.groupText, body: ByteBuffer(string: #"{"gid":\#(gid),"text_array":[{"msgid":"g\#(number)","content":"bench text \#(number)"}]}"#))
            outstanding += 1
            unacknowledgedCount.add(1, ordering: .relaxed)
            sent = true
        }
        if sent { sender.connection.flush() }
    }

    /// Send → last member's notify, for the texts sent while measuring.
    var latencies: Histogram<UInt64> { latency.withLock { $0 } }

    /// Texts sent and not answered (1134) yet.
    var unacknowledged: Int { unacknowledgedCount.load(ordering: .relaxed) }

    /// Texts sent and not yet received by every member.
    var incomplete: Int { pending.withLock { $0.count } }
}
