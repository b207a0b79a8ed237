import Foundation
import Hummingbird
import NIOCore
import TrackerCore
import TrackerStore

/// What a page handler gets: the store, the request's query and path parameters, and what the
/// page shell needs (CSRF token, whether a sign-out button makes sense).
struct Ctx: Sendable {
    let store: Store
    let artifacts: ArtifactStore
    let csrf: String
    let signedIn: Bool
    let path: String
    let query: [String: [String]]
    let params: [String: String]
    /// Wall clock, read once per request.
    let now: Int64

    /// A non-empty query value.
    func q(_ key: String) -> String? { query[key]?.first.flatMap { $0.isEmpty ? nil : $0 } }

    /// A path parameter (percent-decoded).
    func param(_ key: String) -> String { params[key] ?? "" }

    /// The page shell around `body`.
    func page(_ title: String, _ nav: Section?, bodyAttrs: [Attr] = [], stylesheets: [String] = [], _ body: (inout HTML) -> Void) -> String {
        Layout.page(title: title, nav: nav, csrf: csrf, signedIn: signedIn, bodyAttrs: bodyAttrs, stylesheets: stylesheets, body)
    }

    /// A hidden CSRF field for a POST form.
    func csrfField(_ h: inout HTML) { h.void("input", [Attr("type", "hidden"), Attr("name", "csrf"), Attr("value", csrf)]) }
}

/// The web UI of `tracker serve`: registers its pages, assets and forms on the server's router.
public struct WebUI: Sendable {
    let store: Store
    let artifacts: ArtifactStore
    let auth: UIAuth

    /// A UI over `store`; `token` is the server's token (nil: no login).
    public init(store: Store, artifacts: ArtifactStore, token: String?) {
        self.store = store
        self.artifacts = artifacts
        auth = UIAuth(token: token)
    }

    /// Registers every UI route at `/`.
    public func register(_ router: Router<BasicRequestContext>) {
        Assets.register(router)
        get(router, "/", Pages.home)
        get(router, "/experiments", Pages.experiments)
        get(router, "/experiments/:id", Pages.runs)
        get(router, "/runs/:id", Pages.run)
        get(router, "/runs/:id/live.json", Pages.runLive)
        get(router, "/runs/:id/artifact", Pages.artifact)
        get(router, "/runs/:id/raw", Pages.rawArtifact)
        get(router, "/compare", Pages.compare)
        get(router, "/models", Pages.models)
        get(router, "/models/:name", Pages.model)
        get(router, "/gap", Pages.gap)
        get(router, "/reports", Pages.report)
        post(router, "/runs/:id/edit", Edits.editRun)
        post(router, "/runs/:id/tag", Edits.setTag)
        post(router, "/runs/:id/untag", Edits.deleteTag)
        post(router, "/runs/:id/delete", Edits.delete)
        post(router, "/runs/:id/restore", Edits.restore)
        let auth = self.auth
        router.get("/login") { request, _ -> Response in
            let q = request.uri.query.map(QueryString.parse) ?? [:]
            let next = UIAuth.safeNext(q["next"]?.first)
            if auth.token == nil { return Response(status: .seeOther, headers: [.location: next]) }
            return Layout.response(auth.loginPage(next: next, error: nil))
        }
        router.post("/login") { request, _ -> Response in
            let form = try await Self.form(request)
            guard UIAuth.equal(form["csrf"]?.first ?? "", auth.csrfToken) else { return Self.csrfRefusal(auth) }
            return auth.login(form)
        }
        router.post("/logout") { request, _ -> Response in
            let form = try await Self.form(request)
            guard UIAuth.equal(form["csrf"]?.first ?? "", auth.csrfToken) else { return Self.csrfRefusal(auth) }
            return auth.logout()
        }
    }

    /// Path parameter names in a route pattern (`:id` → `id`).
    static func paramNames(_ pattern: String) -> [String] {
        pattern.split(separator: "/").filter { $0.hasPrefix(":") }.map { String($0.dropFirst()) }
    }

    func ctx(_ request: Request, _ context: BasicRequestContext, pattern: String) -> Ctx {
        var params: [String: String] = [:]
        for name in Self.paramNames(pattern) {
            let raw = context.parameters.get(name) ?? ""
            params[name] = raw.removingPercentEncoding ?? raw
        }
        return Ctx(
            store: store, artifacts: artifacts, csrf: auth.csrfToken, signedIn: auth.token != nil, path: request.uri.path,
            query: request.uri.query.map(QueryString.parse) ?? [:], params: params, now: TimeParser.nowMillis())
    }

    /// A GET page: the builder runs off the cooperative pool (it reads SQLite).
    func get(_ router: Router<BasicRequestContext>, _ pattern: String, _ build: @escaping @Sendable (Ctx) throws -> Response) {
        router.get(RouterPath(pattern)) { request, context -> Response in
            let c = self.ctx(request, context, pattern: pattern)
            return await Self.guarded(c) { try await Blocking.run { try build(c) } }
        }
    }

    /// A POST form: checks the CSRF token, runs the edit, then redirects (303) where it says.
    func post(_ router: Router<BasicRequestContext>, _ pattern: String, _ edit: @escaping @Sendable (Ctx, [String: [String]]) throws -> String) {
        let auth = self.auth
        router.post(RouterPath(pattern)) { request, context -> Response in
            let c = self.ctx(request, context, pattern: pattern)
            return await Self.guarded(c) {
                let form = try await Self.form(request)
                guard UIAuth.equal(form["csrf"]?.first ?? "", auth.csrfToken) else { return Self.csrfRefusal(auth) }
                let target = try await Blocking.run { try edit(c, form) }
                return Response(status: .seeOther, headers: [.location: target])
            }
        }
    }

    static func csrfRefusal(_ auth: UIAuth) -> Response {
        Layout.response(
            Layout.page(title: "Form expired", nav: nil, csrf: auth.csrfToken, signedIn: auth.token != nil) { h in
                h.el("h1", text: "This form has expired")
                h.el("p", text: "The server restarted or the form came from elsewhere. Go back, reload the page and try again.")
            }, status: .forbidden)
    }

    /// A form body (application/x-www-form-urlencoded), at most 1 MB.
    static func form(_ request: Request) async throws -> [String: [String]] {
        var req = request
        let buffer = try await req.collectBody(upTo: 1 << 20)
        return QueryString.parse(String(buffer: buffer))
    }

    /// Runs a handler, turning errors into an error page with the right status.
    static func guarded(_ c: Ctx, _ body: () async throws -> Response) async -> Response {
        do {
            return try await body()
        } catch let e as PageError {
            return e.response(c)
        } catch {
            let (status, message) = describe(error)
            return Layout.response(
                c.page(status == .notFound ? "Not found" : "Error", nil) { h in
                    h.el("h1", text: status == .notFound ? "Not found" : "Something went wrong")
                    h.el("p", [Attr("class", "error"), Attr("role", "alert")], text: message)
                    h.el("p") { h in h.link("/", "Back to the production overview") }
                }, status: status)
        }
    }

    static func describe(_ error: Error) -> (HTTPResponse.Status, String) {
        if let e = error as? TrackerError {
            switch e.kind {
            case .notFound: return (.notFound, e.message)
            case .invalidInput, .conflict, .alreadyExists, .gateFailed: return (.badRequest, e.message)
            case .storage: return (.internalServerError, e.message)
            case .busy: return (.serviceUnavailable, e.message)
            }
        }
        if error is NIOTooManyBytesError { return (.contentTooLarge, "the form is larger than 1 MB") }
        return (.internalServerError, "\(error)")
    }
}
