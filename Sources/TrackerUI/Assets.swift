import Foundation
import Hummingbird
import NIOCore
import TrackerCore
import TrackerReport

/// The UI's stylesheet and script, embedded in the binary and served at URLs that carry a hash
/// of their content, so browsers may cache them forever.
enum Assets {
    struct Asset: Sendable {
        let path: String
        let body: String
        let contentType: String
    }

    static func make(_ name: String, _ ext: String, _ body: String, _ type: String) -> Asset {
        let hash = String(SHA256.hex(Array(body.utf8)).prefix(16))
        return Asset(path: "/assets/\(name).\(hash).\(ext)", body: body, contentType: type)
    }

    static let css = make("app", "css", appCSS, "text/css; charset=utf-8")
    static let js = make("app", "js", appJS, "text/javascript; charset=utf-8")
    /// The tab icon: a rising line on the header's dark blue (an SVG, so no binary in the source).
    static let icon = make(
        "icon", "svg",
        ##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="6" fill="#1d2330"/>"##
            + ##"<path d="M6 23l7-7 5 4 8-10" fill="none" stroke="#7fb0ff" stroke-width="3" stroke-linecap="round" stroke-linejoin="round"/></svg>"##,
        "image/svg+xml")
    /// The weekly report's own stylesheet, nested under `.report` so it styles only the report
    /// inside the UI's page (its `:root` variables land on `.report`).
    static let report = make(
        "report", "css", ".report {\n" + HTMLRenderer.css.replacingOccurrences(of: ":root {", with: "& {") + "\n}\n", "text/css; charset=utf-8")

    /// Registers `GET /assets/<name>.<hash>.<ext>` for each asset.
    static func register(_ router: Router<BasicRequestContext>) {
        for asset in [css, js, report, icon] {
            router.get(RouterPath(asset.path)) { _, _ -> Response in serve(asset, cache: "public, max-age=31536000, immutable") }
        }
        // Browsers ask for /favicon.ico on their own (e.g. for a JSON page); an SVG answers it.
        router.get("/favicon.ico") { _, _ -> Response in serve(icon, cache: "public, max-age=86400") }
    }

    static func serve(_ asset: Asset, cache: String) -> Response {
        var headers = securityHeaders
        headers[.contentType] = asset.contentType
        headers[.cacheControl] = cache
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: asset.body)))
    }

    /// Headers every UI response carries: a strict CSP that allows only this origin's assets.
    static let securityHeaders: HTTPFields = {
        var h = HTTPFields()
        h[.contentSecurityPolicy] =
            "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
        h[.xContentTypeOptions] = "nosniff"
        h[.referrerPolicy] = "same-origin"
        h[.xFrameOptions] = "DENY"
        return h
    }()
}

// HTTPTypes has no names for these two; HTTPFields.Element is HTTPTypes.HTTPField.
extension HTTPFields.Element.Name {
    static let referrerPolicy = Self("Referrer-Policy")!
    static let xFrameOptions = Self("X-Frame-Options")!
}
