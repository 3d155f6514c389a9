import FluxProtocol
import Histogram
import NIOCore

/// Send→notify latencies seen by one receiving connection, in microseconds, in an HDR histogram.
final class LatencyRecorder: @unchecked Sendable {
    // @unchecked: recorded only on the receiving connection's event loop; read after the run through
    // that same event loop (`snapshot`).
    private var histogram = Histogram<UInt64>(highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: .three)

    /// Records the latency of a notice whose content is `t<send time in uptime nanoseconds>`.
    func record(noticeBody body: ByteBuffer, now: UInt64) {
        guard let sent = Self.sendTime(in: body), now > sent else { return }
        _ = histogram.record(min((now - sent) / 1000, 60_000_000))
    }

    /// The histogram so far (call on the recorder's event loop).
    var snapshot: Histogram<UInt64> { histogram }

    private static let marker = Array(#""content":"t"#.utf8)

    /// The digits after `"content":"t`, found without decoding the JSON.
    static func sendTime(in body: ByteBuffer) -> UInt64? {
        BodyScan.number(after: marker, in: body)
    }
}
