import Dispatch
import FluxProtocol
import Histogram
import NIOCore
import Synchronization

/// Counters shared by every pair of a relay run.
final class RelayCounters: Sendable {
    let acknowledged = Atomic<Int>(0)
    let refused = Atomic<Int>(0)
    let delivered = Atomic<Int>(0)
    let stopped = Atomic<Bool>(false)
    let measuring = Atomic<Bool>(false)
}

/// One sender and its receiver. The sender keeps up to `window` texts unacknowledged (and, with a rate,
/// spends credits refilled every millisecond); the receiver records send→notify latency.
final class RelayPair: @unchecked Sendable {
    // @unchecked: the sender's fields are used only on the sender connection's event loop, the recorder
    // only on the receiver's.
    let sender: BenchSession
    let receiver: BenchSession
    let recorder = LatencyRecorder()
    private let counters: RelayCounters
    private let window: Int
    /// Texts per second of this pair, when paced.
    private let ratePerSecond: Double?
    private var credits: Double = 0
    private var lastRefill: UInt64 = 0
    private var outstanding = 0
    private var sequence = 0
    private var ticker: RepeatedTask?

    init(sender: BenchSession, receiver: BenchSession, window: Int, ratePerSecond: Double?, counters: RelayCounters) {
        self.sender = sender
        self.receiver = receiver
        self.window = window
        self.counters = counters
        self.ratePerSecond = ratePerSecond
    }

    /// Installs the frame handlers and starts sending.
    func start() {
        let counters = self.counters
        let recorder = self.recorder
        receiver.onLoop { [receiver] in
            receiver.handler = { frame in
                guard frame.id == .notifyTextChat else { return }
                counters.delivered.add(1, ordering: .relaxed)
                if counters.measuring.load(ordering: .relaxed) {
                    recorder.record(noticeBody: frame.body, now: DispatchTime.now().uptimeNanoseconds)
                }
            }
        }
        sender.onLoop { [self] in
            sender.handler = { [self] frame in
                guard frame.id == .textChatResponse else { return }
                outstanding -= 1
                if Self.isSuccess(frame.body) {
                    counters.acknowledged.add(1, ordering: .relaxed)
                } else {
                    counters.refused.add(1, ordering: .relaxed)
                }
                pump()
            }
            if let rate = ratePerSecond {
                lastRefill = DispatchTime.now().uptimeNanoseconds
                // Credits by the time elapsed, so a late tick does not lower the rate.
                ticker = sender.eventLoop.scheduleRepeatedTask(initialDelay: .milliseconds(1), delay: .milliseconds(1)) { [self] _ in
                    let now = DispatchTime.now().uptimeNanoseconds
                    credits = min(credits + rate * Double(now - lastRefill) / 1e9, Double(window))
                    lastRefill = now
                    pump()
                }
            }
            pump()
        }
    }

    /// Stops the rate ticker (the senders stop by `counters.stopped`).
    func stop() {
        sender.onLoop { [self] in ticker?.cancel() }
    }

    private func pump() {
        var sent = false
        while outstanding < window, !counters.stopped.load(ordering: .relaxed) {
            if ratePerSecond != nil {
                guard credits >= 1 else { break }
                credits -= 1
            }
            sequence += 1
            let body = #"{"fromuid":\#(sender.uid),"touid":\#(receiver.uid),"text_array":[{"msgid":"b\#(sequence)","content":"t\#(DispatchTime.now().uptimeNanoseconds)"}]}"#
            sender.connection.write(.textChat, body: ByteBuffer(string: body))
            outstanding += 1
            sent = true
        }
        if sent { sender.connection.flush() }
    }

    private static let success = Array(#""error":0"#.utf8)

    /// A 1018 carries `"error":0` followed by `,` or `}` (keys come in any order; only the top level has
    /// `error`).
    private static func isSuccess(_ body: ByteBuffer) -> Bool {
        body.withUnsafeReadableBytes { bytes in
            guard let end = BodyScan.end(of: success, in: bytes), end < bytes.count else { return false }
            return bytes[end] == UInt8(ascii: ",") || bytes[end] == UInt8(ascii: "}")
        }
    }

    /// The receiver's latencies (read on its event loop).
    func latencies() async throws -> Histogram<UInt64> {
        try await receiver.eventLoop.submit { [recorder] in recorder.snapshot }.get()
    }
}

/// The figures of one relay run.
struct RelayFigures: Sendable {
    var deliveredPerSecond: Double
    var acknowledged: Int
    var delivered: Int
    var refused: Int
    var latency: Histogram<UInt64>
}

/// Runs `pairs` for `duration` after `warmup`, then stops the senders and waits for every acknowledged
/// text to be delivered.
enum RelayRun {
    static func run(_ pairs: [RelayPair], counters: RelayCounters, warmup: Duration, duration: Duration) async throws -> RelayFigures {
        for pair in pairs { pair.start() }
        try await Task.sleep(for: warmup)
        counters.measuring.store(true, ordering: .relaxed)
        let startCount = counters.delivered.load(ordering: .relaxed)
        let start = ContinuousClock.now
        try await Task.sleep(for: duration)
        let endCount = counters.delivered.load(ordering: .relaxed)
        let elapsed = start.duration(to: .now)
        counters.measuring.store(false, ordering: .relaxed)
        counters.stopped.store(true, ordering: .relaxed)
        for pair in pairs { pair.stop() }
        // Everything acknowledged must arrive; give the tail a moment.
        let deadline = ContinuousClock.now.advanced(by: .seconds(15))
        var lastAcknowledged = -1
        while ContinuousClock.now < deadline {
            let acknowledged = counters.acknowledged.load(ordering: .relaxed) + counters.refused.load(ordering: .relaxed)
            if acknowledged == lastAcknowledged, counters.delivered.load(ordering: .relaxed) >= counters.acknowledged.load(ordering: .relaxed) {
                break
            }
            lastAcknowledged = acknowledged
            try await Task.sleep(for: .milliseconds(200))
        }
        var latency = Histogram<UInt64>(highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: .three)
        for pair in pairs { latency.add(try await pair.latencies()) }
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        return RelayFigures(
            deliveredPerSecond: Double(endCount - startCount) / seconds,
            acknowledged: counters.acknowledged.load(ordering: .relaxed),
            delivered: counters.delivered.load(ordering: .relaxed),
            refused: counters.refused.load(ordering: .relaxed),
            latency: latency)
    }
}
