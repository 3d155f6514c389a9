import Foundation
import Hummingbird

/// Serves the web client (`WebAsset`) under a strict Content-Security-Policy: scripts, styles and images
/// from the gate only, no inline code, WebSockets to any chat node; user content is never HTML (the client
/// renders it as text). Responses carry the file's ETag and are revalidated (`no-cache`), so a new binary's
/// files are picked up at once and an unchanged file costs a 304.
struct WebClientRoutes: Sendable {
    static let contentSecurityPolicy = [
        "default-src 'none'", "script-src 'self'", "style-src 'self'", "img-src 'self' data:",
        // Not narrowed to the chat nodes' origins: the gate does not know them when it serves the page (status
        // assigns nodes at login, and a node that joins later, or the next one after a drain's 1119, must work).
        "connect-src 'self' ws: wss:",
        "base-uri 'none'", "form-action 'none'", "frame-ancestors 'none'",
    ].joined(separator: "; ")

    func register(on router: Router<GateRequestContext>) {
        for (path, asset) in WebAsset.all {
            router.get(RouterPath(path)) { request, _ in
                Self.response(for: asset, ifNoneMatch: request.headers[.ifNoneMatch])
            }
        }
    }

    static func response(for asset: WebAsset, ifNoneMatch: String?) -> Response {
        var headers: HTTPFields = [
            .eTag: asset.etag,
            .cacheControl: "no-cache",
            .contentSecurityPolicy: contentSecurityPolicy,
            .init("Referrer-Policy")!: "no-referrer",
        ]
        if let ifNoneMatch, ifNoneMatch.split(separator: ",").contains(where: { $0.trimmingCharacters(in: .whitespaces) == asset.etag || $0 == "*" }) {
            return Response(status: .notModified, headers: headers)
        }
        headers[.contentType] = asset.contentType
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: asset.bytes)))
    }
}
