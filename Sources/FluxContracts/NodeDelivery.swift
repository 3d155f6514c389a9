import FluxProtocol

/// A frame for a user on another chat node. `messageID` names the stored text a 1019 carries, so the
/// receiving node moves the delivery cursor once the frame is written.
public struct NodeDelivery: Codable, Sendable, Hashable {
    public var uid: Int64
    /// The chat message id (for example 1019).
    public var frameID: UInt16
    /// The frame's JSON body.
    public var body: String
    public var messageID: Int64?
    /// When the text was committed (wall-clock nanoseconds), for the delivery latency metric.
    public var committedAt: UInt64?

    public init(uid: Int64, frameID: UInt16, body: String, messageID: Int64? = nil, committedAt: UInt64? = nil) {
        self.committedAt = committedAt
        self.uid = uid
        self.frameID = frameID
        self.body = body
        self.messageID = messageID
    }
}
