import FluxCrypto

/// One file of the web client, compiled into the binary (`Sources/FluxGate/Web`, embedded by SwiftPM), so
/// `flux` stays one file to deploy. Its ETag is a digest of its bytes: a browser revalidates and gets 304
/// until the binary ships a different file.
struct WebAsset: Sendable {
    let bytes: [UInt8]
    let contentType: String
    let etag: String

    init(_ bytes: [UInt8], contentType: String) {
        self.bytes = bytes
        self.contentType = contentType
        self.etag = "\"" + SHA256.digest(bytes).prefix(12).map { String($0, radix: 16).leftPadded(to: 2) }.joined() + "\""
    }

    /// The web client's files by URL path (`/` is `index.html`). A file added to `Web/` is listed here too
    /// (`WebSocketTests.theWebClientIsServedWithETagsAndAStrictPolicy` fetches every file in `Web/` and
    /// fails on one that is not served; one listed here but missing there does not compile).
    static let all: [String: WebAsset] = {
        let html = "text/html; charset=utf-8"
        let javascript = "text/javascript; charset=utf-8"
        let index = WebAsset(PackageResources.index_html, contentType: html)
        return [
            "/": index,
            "/index.html": index,
            "/style.css": WebAsset(PackageResources.style_css, contentType: "text/css; charset=utf-8"),
            "/app.js": WebAsset(PackageResources.app_js, contentType: javascript),
            "/api.js": WebAsset(PackageResources.api_js, contentType: javascript),
            "/connection.js": WebAsset(PackageResources.connection_js, contentType: javascript),
            "/store.js": WebAsset(PackageResources.store_js, contentType: javascript),
            "/icon.svg": WebAsset(PackageResources.icon_svg, contentType: "image/svg+xml"),
        ]
    }()
}

private extension String {
    func leftPadded(to length: Int) -> String {
        count >= length ? self : String(repeating: "0", count: length - count) + self
    }
}
