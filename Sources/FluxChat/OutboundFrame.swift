import FluxProtocol

/// A frame queued for one connection. `delivery` names the stored message it carries to its recipient,
/// so it is marked delivered only once the frame has been written.
struct OutboundFrame: Sendable {
    struct Delivery: Sendable, Hashable {
        var uid: Int64
        var messageID: Int64
        /// When the text was committed (wall-clock nanoseconds), for the delivery latency of live texts.
        var committedAt: UInt64? = nil
    }

    var frame: ChatFrame
    var delivery: Delivery?
}
