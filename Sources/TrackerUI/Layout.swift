import Foundation
import Hummingbird
import NIOCore
import TrackerCore

/// The top-level sections, for the navigation bar.
enum Section: String {
    case home, experiments, models, gap, reports
}

/// The page shell shared by every page, and the response that carries it.
enum Layout {
    /// A whole page: head with the hashed assets, the navigation, then `body`.
    static func page(
        title: String, nav: Section?, csrf: String, signedIn: Bool, bodyAttrs: [Attr] = [], stylesheets: [String] = [],
        _ body: (inout HTML) -> Void
    ) -> String {
        var h = HTML()
        h.el("head") { h in
            h.void("meta", [Attr("charset", "utf-8")])
            h.void("meta", [Attr("name", "viewport"), Attr("content", "width=device-width, initial-scale=1")])
            h.el("title", text: title + " · tracker")
            h.void("link", [Attr("rel", "icon"), Attr("type", "image/svg+xml"), Attr("href", Assets.icon.path)])
            for href in [Assets.css.path] + stylesheets { h.void("link", [Attr("rel", "stylesheet"), Attr("href", href)]) }
            h.el("script", [Attr("src", Assets.js.path), Attr("defer", "")], text: "")
        }
        h.el("body", bodyAttrs) { h in
            h.el("header", [Attr("class", "top")]) { h in
                h.el("nav", [Attr("aria-label", "main")]) { h in
                    h.link("/", "tracker", [Attr("class", "brand")])
                    let items: [(Section, String, String)] = [
                        (.home, "/", "Production"), (.experiments, "/experiments", "Experiments"), (.models, "/models", "Models"),
                        (.gap, "/gap", "Live gap"), (.reports, "/reports", "Weekly report"),
                    ]
                    for (s, href, label) in items {
                        h.link(href, label, [Attr("aria-current", s == nav ? "page" : nil)])
                    }
                    if signedIn {
                        h.el("form", [Attr("method", "post"), Attr("action", "/logout")]) { h in
                            h.void("input", [Attr("type", "hidden"), Attr("name", "csrf"), Attr("value", csrf)])
                            h.el("button", [Attr("type", "submit")], text: "Sign out")
                        }
                    }
                }
            }
            h.el("main") { h in body(&h) }
        }
        return "<!DOCTYPE html>\n<html lang=\"en\">" + h.output + "</html>\n"
    }

    /// An HTML response with the UI's security headers; pages are never cached.
    static func response(_ html: String, status: HTTPResponse.Status = .ok) -> Response {
        var headers = Assets.securityHeaders
        headers[.contentType] = "text/html; charset=utf-8"
        headers[.cacheControl] = "no-store"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: html)))
    }

    /// A JSON response with the UI's security headers.
    static func json(_ value: JSON) -> Response {
        var headers = Assets.securityHeaders
        headers[.contentType] = "application/json"
        headers[.cacheControl] = "no-store"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: value.serialized())))
    }
}

/// Times, durations and numbers as the UI shows them (UTC, fixed formats).
enum Show {
    /// `2026-11-18 10:04` (UTC).
    static func time(_ ms: Int64?) -> String {
        guard let ms else { return "–" }
        let s = TimeParser.format(ms)
        return String(s.prefix(10)) + " " + String(s.dropFirst(11).prefix(5))
    }

    /// `3 h 12 min`, `42 s`.
    static func duration(_ ms: Int64?) -> String {
        guard let ms, ms >= 0 else { return "–" }
        let s = ms / 1000
        if s < 60 { return ms < 10_000 ? String(format: "%.1f s", Double(ms) / 1000) : "\(s) s" }
        if s < 3600 { return "\(s / 60) min \(s % 60) s" }
        if s < 86_400 { return "\(s / 3600) h \((s % 3600) / 60) min" }
        return "\(s / 86_400) d \((s % 86_400) / 3600) h"
    }

    /// A metric value with 4 significant digits.
    static func value(_ v: Double?) -> String { v.map(ReportFormat.value) ?? "–" }

    /// Decimal numbers inside a text (a gate's stored detail) with 4 significant digits;
    /// integers such as version numbers stay as they are.
    static func briefNumbers(_ text: String) -> String {
        guard let re = try? NSRegularExpression(pattern: #"(?<![\w.])-?\d+\.\d+(?:[eE][-+]?\d+)?(?![\w.])"#) else { return text }
        var out = ""
        var rest = text.startIndex
        for m in re.matches(in: text, range: NSRange(text.startIndex..., in: text)) {
            guard let r = Range(m.range, in: text), let v = Double(text[r]) else { continue }
            out += text[rest..<r.lowerBound] + ReportFormat.value(v)
            rest = r.upperBound
        }
        return out + text[rest...]
    }

    /// `1.2 kB`.
    static func bytes(_ n: Int64) -> String {
        if n < 1024 { return "\(n) B" }
        let units = ["kB", "MB", "GB", "TB"]
        var v = Double(n) / 1024
        var i = 0
        while v >= 1024 && i < units.count - 1 {
            v /= 1024
            i += 1
        }
        return ReportFormat.value(v) + " " + units[i]
    }

    /// The CSS class of a verdict badge.
    static func verdictClass(_ v: Verdict) -> String { v == .notEnoughEvidence ? "badge nee" : "badge \(v.rawValue)" }

    /// A verdict badge.
    static func verdict(_ h: inout HTML, _ v: Verdict) { h.el("span", [Attr("class", verdictClass(v))], text: v.rawValue) }

    /// Single-quotes a word for a shell command line when it needs it.
    static func shellWord(_ s: String) -> String {
        let safe = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._/:@=+,")
        if !s.isEmpty && s.unicodeScalars.allSatisfy({ safe.contains($0) }) { return s }
        return "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}
