/// How `flux bench` connects to chat nodes: the original TCP framing, or WebSocket (`--transport ws`).
public enum BenchTransport: String, Sendable, CaseIterable {
    case tcp
    case webSocket = "ws"
}
