import Foundation
import TrackerCore

/// The reference registry's input rules and their wording: alias names, stages, tag limits and
/// the filter and order-by keys of its two searches. Checked before any lookup, as it does.
enum RegistryRules {
    static let stages = ["none": "None", "staging": "Staging", "production": "Production", "archived": "Archived"]

    /// The canonical stage name, or nil when `s` is not a stage.
    static func stage(_ s: String) -> String? { stages[s.lowercased()] }

    static func badStage(_ s: String) -> String {
        "Invalid Model Version stage: \(s). Value must be one of None, Staging, Production, Archived."
    }

    /// Alias names: at most 255 characters; `latest` (tracker maintains it) and `vN` are reserved.
    static func checkAlias(_ alias: String) throws {
        if alias.count > 255 { throw APIError.invalid("'Registered model alias name' exceeds the maximum length of 255 characters") }
        if alias.lowercased() == "latest" { throw APIError.invalid("'latest' alias name (case insensitive) is reserved.") }
        if alias.wholeMatch(of: /[vV]\d+/) != nil { throw APIError.invalid("Version alias name '\(alias)' is reserved.") }
    }

    /// A version source with a URL scheme (`s3://`, `runs:/`, `mlflow-artifacts:/`) must name an
    /// absolute path without relative parts, as the reference checks before it looks the model up.
    /// Local paths stay accepted (tracker is permissive there: older clients send them).
    static func checkSource(_ source: String) throws {
        var decoded = source
        while let next = decoded.replacingOccurrences(of: "+", with: " ").removingPercentEncoding, next != decoded { decoded = next }
        guard let path = urlPath(decoded) else { return }
        let collapsed = path.replacing(/\/+/, with: "/")
        let trimmed = collapsed.hasSuffix("/") ? String(collapsed.reversed().drop { $0 == "/" }.reversed()) : collapsed
        let parts = trimmed.split(separator: "/", omittingEmptySubsequences: false)
        let relative = !trimmed.hasPrefix("/") || parts.contains { $0 == "." || $0 == ".." } || decoded.split(separator: "/").contains("..")
        if relative || trimmed.contains("\0") {
            throw APIError.invalid(
                "Invalid model version source: '\(decoded)'. If supplying a source as an http, https, local file path, ftp, objectstore, "
                    + "or mlflow-artifacts uri, an absolute path must be provided without relative path references present. "
                    + "Please provide an absolute path.")
        }
    }

    /// The path of a URL with a scheme (`s3://bucket/a/b` → `/a/b`, `runs:/id/m` → `/id/m`); nil
    /// for a string without a scheme or a `file:` URL (a local path).
    static func urlPath(_ s: String) -> String? {
        guard let colon = s.firstIndex(of: ":"), let first = s.first, first.isLetter,
            s[..<colon].allSatisfy({ $0.isLetter || $0.isNumber || "+-.".contains($0) }), s[..<colon].lowercased() != "file"
        else { return nil }
        var rest = s[s.index(after: colon)...]
        if rest.hasPrefix("//") { rest = rest.dropFirst(2).drop { $0 != "/" && $0 != "?" && $0 != "#" } }
        return String(rest.prefix { $0 != "?" && $0 != "#" })
    }

    /// Registry tags: keys up to 250 characters, values up to 100000.
    static func checkTag(key: String, value: String) throws {
        if key.count > 250 { throw APIError.invalid("'key' exceeds the maximum length of 250 characters") }
        if value.count > 100_000 { throw APIError.invalid("'value' exceeds the maximum length of 100000 characters") }
    }

    /// Parses a registry search filter and refuses what the reference refuses: attribute keys
    /// outside `attributes` (listed as the reference lists them), and bare values of string keys.
    static func filter(_ text: String, attributes: [String], numeric: Set<String> = []) throws -> [SimpleClause] {
        let clauses = try SimpleFilter.parse(text)
        for c in clauses where c.key != "tags" {
            if let dot = c.key.firstIndex(of: "."), c.key[..<dot] != "attribute" {
                throw APIError.invalid("Invalid entity type '\(c.key[..<dot])'. Valid entity types are ('attribute', 'tag', 'tags')")
            }
            guard attributes.contains(attribute(c)) else {
                let valid = attributes.map { "'\($0)'" }.joined(separator: ", ")
                throw APIError.invalid("Invalid attribute key '\(attribute(c))' specified. Valid keys are '{\(valid)}'")
            }
        }
        for c in clauses where !c.quoted && !numeric.contains(attribute(c)) && !c.op.hasPrefix("IS") {
            throw APIError.invalid(
                "Parameter value is either not quoted or unidentified quote types used for string value \(c.values.first ?? ""). "
                    + "Use either single or double quotes.")
        }
        return clauses
    }

    /// A registered-model tag clause as the reference evaluates it: a model without the tag never
    /// matches, except for the prompt marker, whose absence reads as "not a prompt".
    static func matchesModelTag(_ c: SimpleClause, _ value: String?) -> Bool {
        if value == nil && c.tag == "mlflow.prompt.is_prompt" {
            return (c.op == "=" && c.values.first == "false") || (c.op == "!=" && c.values.first == "true")
        }
        if value == nil && c.op == "!=" { return false }
        return SimpleFilter.matches(c, value)
    }

    /// The attribute a clause names, without an `attribute.` prefix.
    static func attribute(_ c: SimpleClause) -> String {
        c.key.hasPrefix("attribute.") ? String(c.key.dropFirst("attribute.".count)) : c.key
    }

    /// One `order_by` entry: its key and direction, or the reference's refusal.
    static func order(_ spec: String, valid: [String], message: (String) -> String) throws -> (key: String, descending: Bool) {
        let parts = spec.split(separator: " ", omittingEmptySubsequences: true)
        let key = parts.first.map(String.init) ?? ""
        guard valid.contains(key) else { throw APIError.invalid(message(key)) }
        return (key, parts.count > 1 && parts[1].uppercased() == "DESC")
    }
}
