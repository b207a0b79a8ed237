import Foundation

/// An attribute: a name fixed in the source (never user data) and a value that is always escaped.
/// A nil value leaves the attribute out; "" writes it bare-valued (`checked=""`).
public struct Attr: Sendable {
    let name: StaticString
    let value: String?

    /// `name="value"`, escaped.
    public init(_ name: StaticString, _ value: String?) {
        self.name = name
        self.value = value
    }
}

/// A small typed HTML writer. Tag and attribute names are `StaticString`s, so only the source
/// code chooses them; every text and attribute value is escaped. The one way to write markup
/// verbatim is `trusted(svgFromRenderer:)`, for the SVG and report HTML that TrackerReport's
/// renderers produce (they escape their own text).
public struct HTML: Sendable {
    /// The markup written so far.
    public private(set) var output = ""

    /// An empty document fragment.
    public init() {}

    /// Escapes text for element content and quoted attribute values.
    public static func escape(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        for ch in s.unicodeScalars {
            switch ch {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.unicodeScalars.append(ch)
            }
        }
        return out
    }

    /// Text, escaped.
    public mutating func text(_ s: String) { output += HTML.escape(s) }

    /// Markup from TrackerReport's renderers (chart SVG, the report body), written verbatim.
    public mutating func trusted(svgFromRenderer markup: String) { output += markup }

    mutating func openTag(_ tag: StaticString, _ attrs: [Attr]) {
        output += "<\(tag)"
        for a in attrs {
            guard let v = a.value else { continue }
            output += " \(a.name)=\"\(HTML.escape(v))\""
        }
        output += ">"
    }

    /// `<tag attrs>…</tag>` with children written by `body`.
    public mutating func el(_ tag: StaticString, _ attrs: [Attr] = [], _ body: (inout HTML) -> Void) {
        openTag(tag, attrs)
        body(&self)
        output += "</\(tag)>"
    }

    /// `<tag attrs>text</tag>`.
    public mutating func el(_ tag: StaticString, _ attrs: [Attr] = [], text: String) {
        openTag(tag, attrs)
        output += HTML.escape(text)
        output += "</\(tag)>"
    }

    /// A void element: `<input …>`, `<meta …>`, `<link …>`, `<br>`.
    public mutating func void(_ tag: StaticString, _ attrs: [Attr] = []) { openTag(tag, attrs) }

    /// `<a href>text</a>`.
    public mutating func link(_ href: String, _ text: String, _ attrs: [Attr] = []) {
        el("a", [Attr("href", href)] + attrs, text: text)
    }
}

/// Percent-encoding for a path segment or query value in a URL we build.
enum URLPart {
    static let unreserved = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")

    static func encode(_ s: String) -> String { s.addingPercentEncoding(withAllowedCharacters: unreserved) ?? "" }

    /// `?a=1&b=x` from pairs in order, skipping nil and empty values.
    static func query(_ pairs: [(String, String?)]) -> String {
        let parts = pairs.compactMap { k, v -> String? in
            guard let v, !v.isEmpty else { return nil }
            return "\(encode(k))=\(encode(v))"
        }
        return parts.isEmpty ? "" : "?" + parts.joined(separator: "&")
    }
}
