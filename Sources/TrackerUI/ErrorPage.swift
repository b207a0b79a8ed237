import Hummingbird
import TrackerCore

/// A failure a page can explain better than the generic error page: its own heading, the
/// message, and a link back to where the user can fix it.
struct PageError: Error {
    let status: HTTPResponse.Status
    let heading: String
    let message: String
    let backHref: String
    let backLabel: String

    /// Rethrows a `TrackerError` from `body` as this page's error (its message kept).
    static func explain<T>(
        heading: String, back: (href: String, label: String), _ body: () throws -> T
    ) throws -> T {
        do {
            return try body()
        } catch let e as TrackerError {
            let status = WebUI.describe(e).0
            throw PageError(status: status, heading: heading, message: e.message, backHref: back.href, backLabel: back.label)
        }
    }

    /// The error page itself.
    func response(_ c: Ctx) -> Response {
        Layout.response(
            c.page(heading, nil) { h in
                h.el("h1", text: heading)
                h.el("p", [Attr("class", "error"), Attr("role", "alert")], text: message)
                h.el("p") { h in h.link(backHref, backLabel) }
            }, status: status)
    }
}
