import Foundation
import Hummingbird
import TrackerCore

/// How the UI authenticates a browser when the server has a token: the login form takes the
/// token once and sets an HttpOnly, SameSite=Strict cookie holding a digest of it (the token
/// itself never sits in the browser). Edits carry a CSRF token tied to this server process.
public struct UIAuth: Sendable {
    /// The server's token (nil: loopback without a token, no login).
    public let token: String?
    /// Per-process secret behind the CSRF token.
    let secret: String

    static let cookieName = "tracker_session"

    /// An authenticator for a server with or without a token.
    public init(token: String?) {
        self.token = token
        var rng = SystemRandomNumberGenerator()
        secret = (0..<4).map { _ in String(rng.next() as UInt64, radix: 16) }.joined()
    }

    /// The cookie value that stands for a correct token.
    static func sessionValue(token: String) -> String { SHA256.hex(Array("tracker-ui-session\u{0}\(token)".utf8)) }

    /// The token forms must send back with every POST.
    var csrfToken: String { SHA256.hex(Array("tracker-ui-csrf\u{0}\(secret)".utf8)) }

    /// Constant-time comparison of two strings.
    static func equal(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8)
        let y = Array(b.utf8)
        var diff = x.count ^ y.count
        for i in 0..<min(x.count, y.count) { diff |= Int(x[i] ^ y[i]) }
        return diff == 0
    }

    /// Whether a path belongs to the web UI (not the MLflow or native API, not /health).
    public static func isUIPath(_ path: String) -> Bool {
        !(path.hasPrefix("/api/") || path.hasPrefix("/ajax-api/") || path == "/health")
    }

    /// UI paths anyone may load: the login form, the static assets and the tab icon.
    static func isPublic(_ path: String) -> Bool { path == "/login" || path == "/favicon.ico" || path.hasPrefix("/assets/") }

    /// For the server's token middleware: nil when a UI request may proceed (a valid session
    /// cookie, or a public page); otherwise the response to send (a redirect to the login form
    /// for a page, 401 for anything else). Only call it for requests without a valid bearer token.
    public static func refusal(_ request: Request, token: String) -> Response? {
        let path = request.uri.path
        guard isUIPath(path) else { return unauthorized() }
        if isPublic(path) { return nil }
        if let c = request.cookies[cookieName], equal(c.value, sessionValue(token: token)) { return nil }
        if request.method == .get {
            let next = request.uri.string
            return Response(status: .seeOther, headers: [.location: "/login" + URLPart.query([("next", next)])])
        }
        return unauthorized()
    }

    static func unauthorized() -> Response {
        Response(
            status: .unauthorized, headers: [.contentType: "application/json"],
            body: .init(
                byteBuffer: .init(
                    string: #"{"error_code":"UNAUTHENTICATED","message":"missing or wrong bearer token; send Authorization: Bearer TOKEN"}"#)))
    }

    /// Only same-site relative paths are followed after login.
    static func safeNext(_ next: String?) -> String {
        guard let n = next, n.hasPrefix("/"), !n.hasPrefix("//"), !n.hasPrefix("/\\") else { return "/" }
        return n
    }

    /// The login form.
    func loginPage(next: String, error: String?) -> String {
        Layout.page(title: "Sign in", nav: nil, csrf: csrfToken, signedIn: false) { h in
            h.el("div", [Attr("class", "login")]) { h in
                h.el("h1", text: "tracker")
                h.el("p", [Attr("class", "sub")], text: "This server needs its token. Enter it once; the browser keeps a session cookie.")
                if let error { h.el("p", [Attr("class", "error"), Attr("role", "alert")], text: error) }
                h.el("form", [Attr("method", "post"), Attr("action", "/login")]) { h in
                    h.void("input", [Attr("type", "hidden"), Attr("name", "csrf"), Attr("value", csrfToken)])
                    h.void("input", [Attr("type", "hidden"), Attr("name", "next"), Attr("value", next)])
                    h.el("label", [Attr("for", "token")], text: "Token")
                    h.void(
                        "input",
                        [
                            Attr("id", "token"), Attr("class", "wide"), Attr("type", "password"), Attr("name", "token"),
                            Attr("autocomplete", "current-password"), Attr("required", ""),
                        ])
                    h.el("p") { h in h.el("button", [Attr("type", "submit")], text: "Sign in") }
                }
            }
        }
    }

    /// Handles `POST /login`: a correct token sets the session cookie and goes to `next`.
    func login(_ form: [String: [String]]) -> Response {
        let next = UIAuth.safeNext(form["next"]?.first)
        guard let token else { return Response(status: .seeOther, headers: [.location: next]) }
        guard let given = form["token"]?.first, UIAuth.equal(given, token) else {
            return Layout.response(loginPage(next: next, error: "That token is not this server's token."), status: .unauthorized)
        }
        var r = Response(status: .seeOther, headers: [.location: next])
        r.setCookie(
            Cookie(name: UIAuth.cookieName, value: UIAuth.sessionValue(token: token), path: "/", httpOnly: true, sameSite: .strict))
        return r
    }

    /// Handles `POST /logout`: clears the cookie.
    func logout() -> Response {
        var r = Response(status: .seeOther, headers: [.location: "/login"])
        r.setCookie(Cookie(name: UIAuth.cookieName, value: "", maxAge: 0, path: "/", httpOnly: true, sameSite: .strict))
        return r
    }
}
