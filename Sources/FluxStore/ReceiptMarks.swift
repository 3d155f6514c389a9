/// How far a reader has received and read one peer's messages: the highest `seq` of each receipt (1105).
public struct ReceiptMarks: Sendable, Hashable {
    public var delivered: Int64
    public var read: Int64

    public init(delivered: Int64 = 0, read: Int64 = 0) {
        self.delivered = delivered
        self.read = read
    }
}
