import FluxProtocol

/// A frame queued for one connection. `delivery` names the stored message it carries to its recipient,
/// so it is marked delivered only once the frame has been written.
struct OutboundFrame: Sendable {
    struct Delivery: Sendable, Hashable {
        var uid: Int64
        var messageID: Int64
    }

    var frame: ChatFrame
    var delivery: Delivery?
}
