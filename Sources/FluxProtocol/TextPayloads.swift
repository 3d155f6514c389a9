// Bodies of text messages (1017/1018/1019).

/// One text in a `text_array`: the client-chosen `msgid` and the content.
public struct TextItem: Codable, Sendable, Equatable, Hashable {
    public var msgid: String
    public var content: String
    public init(msgid: String, content: String) {
        self.msgid = msgid
        self.content = content
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
