/// Why a WebSocket message could not be read as a chat frame. Each is answered with 1117
/// `{error:1001, msgid:0, reason}` and the connection stays open.
public enum WebSocketEnvelopeError: Error, Hashable, Sendable, CustomStringConvertible {
    /// Not one JSON object (or not JSON at all).
    case notAnObject
    /// No `id`, or one that is not an integer from 0 to 65535.
    case badID
    /// A binary message: the protocol is carried in text messages only.
    case binaryMessage

    public var description: String {
        switch self {
        case .notAnObject: "a message must be one JSON object {\"id\": <message id>, \"body\": {…}}"
        case .badID: "\"id\" must be an integer message id (0–65535)"
        case .binaryMessage: "binary messages are not part of the protocol: send JSON in text messages"
        }
    }
}
