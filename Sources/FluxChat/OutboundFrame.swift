import FluxProtocol

/// A frame queued for one connection. `delivery` names the stored message it carries to its recipient,
/// so it is marked delivered only once the frame has been written.
struct OutboundFrame: Sendable {
    struct Delivery: Sendable, Hashable {
        var uid: Int64
        /// The private text's id, or for a group text (`gid` set) its seq in the group.
        var messageID: Int64
        /// When the text was committed (wall-clock nanoseconds), for the delivery latency of live texts.
        var committedAt: UInt64? = nil
        /// Set for a group text: its delivered cursor moves once the frame is written.
        var gid: Int64? = nil
    }

    var frame: ChatFrame
    var delivery: Delivery?
}
