/// One group text for the members of it on another chat node: the frame once, with the members it is
/// for (the group's members online there, the sender excluded).
public struct GroupDelivery: Codable, Sendable, Hashable {
    public var gid: Int64
    public var seq: Int64
    /// The 1135 frame's JSON body.
    public var body: String
    public var uids: [Int64]
    /// When the text was committed (wall-clock nanoseconds), for the delivery latency metric.
    public var committedAt: UInt64?

    public init(gid: Int64, seq: Int64, body: String, uids: [Int64], committedAt: UInt64? = nil) {
        self.gid = gid
        self.seq = seq
        self.body = body
        self.uids = uids
        self.committedAt = committedAt
    }
}
