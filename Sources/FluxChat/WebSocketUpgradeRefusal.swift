import NIOCore
import NIOHTTP1

/// The answer to an HTTP request on the WebSocket port that is not an acceptable upgrade: 404 for another
/// path, 403 for a page from a foreign origin, 426 for a plain request to `/ws`. The connection closes
/// after the answer.
final class WebSocketUpgradeRefusal: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let path: String
    private let origins: WebSocketOriginPolicy
    private var head: HTTPRequestHead?

    init(path: String, origins: WebSocketOriginPolicy) {
        self.path = path
        self.origins = origins
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch Self.unwrapInboundIn(data) {
        case .head(let request):
            head = request
        case .body:
            break
        case .end:
            guard let request = head else { return }
            head = nil
            let (status, reason) = Self.refusal(for: request, path: path, origins: origins)
            var body = context.channel.allocator.buffer(capacity: reason.utf8.count + 1)
            body.writeString(reason + "\n")
            var headers = HTTPHeaders()
            headers.add(name: "Content-Type", value: "text/plain; charset=utf-8")
            headers.add(name: "Content-Length", value: "\(body.readableBytes)")
            headers.add(name: "Connection", value: "close")
            if status == .upgradeRequired { headers.add(name: "Upgrade", value: "websocket") }
            context.write(Self.wrapOutboundOut(.head(HTTPResponseHead(version: request.version, status: status, headers: headers))), promise: nil)
            context.write(Self.wrapOutboundOut(.body(.byteBuffer(body))), promise: nil)
            let channel = context.channel
            context.writeAndFlush(Self.wrapOutboundOut(.end(nil))).whenComplete { _ in channel.close(promise: nil) }
        }
    }

    static func refusal(for request: HTTPRequestHead, path: String, origins: WebSocketOriginPolicy) -> (HTTPResponseStatus, String) {
        let requestPath = request.uri.split(separator: "?", maxSplits: 1).first.map(String.init) ?? request.uri
        if requestPath != path { return (.notFound, "not found: the chat WebSocket is at \(path)") }
        if !origins.accepts(origin: request.headers.first(name: "Origin")) {
            return (.forbidden, "origin not allowed: add it to chat.ws_allowed_origins")
        }
        return (.upgradeRequired, "this is a WebSocket endpoint: connect with a WebSocket client")
    }
}
