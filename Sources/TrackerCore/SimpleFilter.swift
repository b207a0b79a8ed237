/// The small filter languages of MLflow's experiment, registered-model, model-version and
/// logged-model searches: `key op value (AND key op value)*`, where key is a bare attribute
/// (`name`, `run_id`) or `tags.k` / `tag.k` (back-quotes allowed), op is
/// `= != LIKE ILIKE IN IS NULL IS NOT NULL < <= > >=`, and values are quoted strings, numbers or
/// `('a', 'b')` lists. Evaluated in memory by the caller.
public struct SimpleClause: Sendable, Equatable {
    public let key: String
    /// Set for `tags.k`: the tag key.
    public let tag: String?
    public let op: String
    public let values: [String]
    /// Whether the value was written quoted (`'rm1'`) rather than bare (`rm1`, `2`).
    public var quoted = true
}

public enum SimpleFilter {
    /// Parses `key op value (AND key op value)*`; an empty text is no clauses.
    public static func parse(_ text: String) throws -> [SimpleClause] {
        var p = SimpleFilterParser(text: text)
        p.skip()
        if p.s.isEmpty { return [] }
        var out: [SimpleClause] = []
        while true {
            out.append(try p.clause())
            p.skip()
            if p.s.isEmpty { return out }
            guard p.word().uppercased() == "AND" else { throw p.fail("expected AND") }
        }
    }

    /// SQL LIKE semantics (`%`, `_`), case-sensitive unless `caseInsensitive`.
    public static func like(_ value: String, _ pattern: String, caseInsensitive: Bool) -> Bool {
        let v = Array(caseInsensitive ? value.lowercased() : value)
        let p = Array(caseInsensitive ? pattern.lowercased() : pattern)
        var memo = [[Bool?]](repeating: [Bool?](repeating: nil, count: p.count + 1), count: v.count + 1)
        func m(_ i: Int, _ j: Int) -> Bool {
            if let r = memo[i][j] { return r }
            let r: Bool
            if j == p.count {
                r = i == v.count
            } else if p[j] == "%" {
                r = m(i, j + 1) || (i < v.count && m(i + 1, j))
            } else {
                r = i < v.count && (p[j] == "_" || p[j] == v[i]) && m(i + 1, j + 1)
            }
            memo[i][j] = r
            return r
        }
        return m(0, 0)
    }

    /// Evaluates one clause against a value (nil = absent).
    public static func matches(_ c: SimpleClause, _ value: String?) -> Bool {
        switch c.op {
        case "IS NULL": return value == nil
        case "IS NOT NULL": return value != nil
        case "!=": return value != c.values.first  // absent tags match "!=" (MLflow's prompt filter relies on it)
        default: break
        }
        guard let value else { return false }
        let target = c.values.first ?? ""
        switch c.op {
        case "=": return value == target
        case "LIKE": return like(value, target, caseInsensitive: false)
        case "ILIKE": return like(value, target, caseInsensitive: true)
        case "IN": return c.values.contains(value)
        case "NOT IN": return !c.values.contains(value)
        default:
            guard let a = Double(value), let b = Double(target) else { return false }
            switch c.op {
            case "<": return a < b
            case "<=": return a <= b
            case ">": return a > b
            case ">=": return a >= b
            default: return false
            }
        }
    }
}

/// The cursor over a simple filter's text: one method per grammar step.
private struct SimpleFilterParser {
    let text: String
    var s: Substring

    init(text: String) {
        self.text = text
        s = Substring(text)
    }

    static let operators = ["=", "!=", "<", "<=", ">", ">=", "LIKE", "ILIKE", "IN", "NOT IN", "IS NULL", "IS NOT NULL"]

    func fail(_ what: String, subject: TrackerError.Subject? = nil) -> TrackerError {
        let col = text.count - s.count + 1
        return TrackerError.invalid("filter syntax error at column \(col): \(what) (in: \(text))", subject: subject)
    }

    mutating func skip() { while s.first?.isWhitespace == true { s.removeFirst() } }

    /// A value quoted with ', " or `; a doubled quote inside stands for itself.
    mutating func quoted() throws -> String {
        guard let q = s.first, q == "'" || q == "\"" || q == "`" else { throw fail("expected a quoted value") }
        s.removeFirst()
        var v = ""
        while let c = s.first {
            s.removeFirst()
            if c == q {
                if s.first == q {
                    v.append(q)
                    s.removeFirst()
                    continue
                }
                return v
            }
            v.append(c)
        }
        throw fail("unterminated string")
    }

    mutating func word() -> String {
        var w = ""
        while let c = s.first, c.isLetter || c.isNumber || c == "_" || c == "." || c == "-" || c == ":" {
            w.append(c)
            s.removeFirst()
        }
        return w
    }

    /// One `key op value` clause.
    mutating func clause() throws -> SimpleClause {
        skip()
        let (key, tag) = try key()
        skip()
        let op = try self.op(key: key, tag: tag)
        skip()
        let (values, wasQuoted) = try values(op: op)
        return SimpleClause(key: key.lowercased(), tag: tag, op: op, values: values, quoted: wasQuoted)
    }

    /// A bare attribute, or `tags.k` / `tag.k` / `` tags.`k` `` (key "tags", tag k).
    mutating func key() throws -> (key: String, tag: String?) {
        var key = word()
        var tag: String?
        if key.lowercased().hasPrefix("tags.") || key.lowercased().hasPrefix("tag.") {
            let rest = String(key.drop { $0 != "." }.dropFirst())
            tag = rest.isEmpty ? try quoted() : rest
            key = "tags"
        } else if key.lowercased() == "tags" || key.lowercased() == "tag" {
            throw fail("expected tags.KEY")
        }
        if key.isEmpty { throw fail("expected a key such as name or tags.KEY") }
        return (key, tag)
    }

    /// A symbolic (`= != < <= > >=`, `==` as `=`) or word operator (`LIKE`, `NOT IN`, `IS NOT NULL` …).
    mutating func op(key: String, tag: String?) throws -> String {
        var op = ""
        if let c = s.first, "=!<>".contains(c) {
            op.append(c)
            s.removeFirst()
            if s.first == "=" {
                op.append("=")
                s.removeFirst()
            }
            if op == "==" { op = "=" }
        } else {
            op = wordOperator()
        }
        guard Self.operators.contains(op) else {
            if op.isEmpty { op = String(s.prefix { !$0.isWhitespace }) }
            let entity = tag.map { "tags.\($0)" } ?? (key.hasPrefix("attributes.") ? key : "attributes.\(key)")
            throw fail("expected an operator", subject: .badOperator(key: entity, op: op))
        }
        return op
    }

    mutating func wordOperator() -> String {
        let op = word().uppercased()
        if op == "NOT" {
            skip()
            return "NOT " + word().uppercased()
        }
        guard op == "IS" else { return op }
        skip()
        let n = word().uppercased()
        guard n == "NOT" else { return "IS " + n }
        skip()
        return "IS NOT " + word().uppercased()
    }

    /// The operand: a `('a', 'b')` list for IN, none for IS, else one quoted or bare value.
    mutating func values(op: String) throws -> (values: [String], quoted: Bool) {
        if op == "IN" || op == "NOT IN" { return (try list(), true) }
        if op.hasPrefix("IS") { return ([], true) }
        if let c = s.first, c == "'" || c == "\"" { return ([try quoted()], true) }
        let w = word()
        if w.isEmpty { throw fail("expected a value") }
        return ([w], false)
    }

    mutating func list() throws -> [String] {
        guard s.first == "(" else { throw fail("expected '(' after IN") }
        s.removeFirst()
        var values: [String] = []
        while true {
            skip()
            values.append(try quoted())
            skip()
            if s.first == "," {
                s.removeFirst()
                continue
            }
            if s.first == ")" {
                s.removeFirst()
                return values
            }
            throw fail("expected ',' or ')'")
        }
    }
}
