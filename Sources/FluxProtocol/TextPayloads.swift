// Bodies of text messages (1017/1018/1019).

/// One text in a `text_array`: the client-chosen `msgid` and the content.
public struct TextItem: Codable, Sendable, Equatable, Hashable {
    public var msgid: String
    public var content: String
    /// Flux: the conversation sequence number the store assigned (in 1018 and 1019).
    public var seq: Int64?
    /// Flux: when the server stored it, milliseconds since 1970 (in 1018 and 1019).
    public var time: Int64?

    public init(msgid: String, content: String, seq: Int64? = nil, time: Int64? = nil) {
        self.msgid = msgid
        self.content = content
        self.seq = seq
        self.time = time
    }
}

/// 1017 request, 1018 response and 1019 notice share this shape.
public struct TextChatMessage: Codable, Sendable, Equatable {
    public var error: ErrorCode?
    public var fromuid: Int64
    public var touid: Int64
    public var textArray: [TextItem]

    enum CodingKeys: String, CodingKey {
        case error, fromuid, touid
        case textArray = "text_array"
    }

    public init(error: ErrorCode? = nil, fromuid: Int64, touid: Int64, textArray: [TextItem]) {
        self.error = error
        self.fromuid = fromuid
        self.touid = touid
        self.textArray = textArray
    }
}
