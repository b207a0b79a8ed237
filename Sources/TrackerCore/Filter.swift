/// MLflow's `search_runs` filter language: `<clause> (AND <clause>)*`.
///
/// This module only parses; the store compiles a `RunFilter` to SQL with every value bound.
/// Errors name the 1-based column where parsing went wrong.
public struct RunFilter: Sendable, Equatable {
    public var clauses: [FilterClause]
    public init(clauses: [FilterClause]) { self.clauses = clauses }

    /// Parses a filter expression; an empty string matches everything.
    public static func parse(_ text: String) throws -> RunFilter {
        var p = FilterParser(text)
        return RunFilter(clauses: try p.parseFilter())
    }
}

/// What a clause or order-by key refers to.
public enum FilterEntity: String, Sendable, Equatable {
    case metric, param, tag, attribute

    init?(word: String) {
        switch word.lowercased() {
        case "metric", "metrics": self = .metric
        case "param", "params", "parameter", "parameters": self = .param
        case "tag", "tags": self = .tag
        case "attribute", "attributes", "attr", "run": self = .attribute
        default: return nil
        }
    }
}

/// A comparison operator.
public enum FilterOp: String, Sendable, Equatable {
    case eq = "="
    case ne = "!="
    case gt = ">"
    case ge = ">="
    case lt = "<"
    case le = "<="
    case like = "LIKE"
    case ilike = "ILIKE"
    case isIn = "IN"
    case notIn = "NOT IN"
    case isNull = "IS NULL"
    case isNotNull = "IS NOT NULL"
}

/// The right-hand side of a clause.
public enum FilterValue: Sendable, Equatable {
    case number(Double)
    case string(String)
    case list([String])
    case none
}

/// `entity.key op value`.
public struct FilterClause: Sendable, Equatable {
    public let entity: FilterEntity
    public let key: String
    public let op: FilterOp
    public let value: FilterValue

    public init(entity: FilterEntity, key: String, op: FilterOp, value: FilterValue) {
        self.entity = entity
        self.key = key
        self.op = op
        self.value = value
    }
}

/// One `order_by` item: `metrics.loss DESC`.
public struct RunOrder: Sendable, Equatable {
    public let entity: FilterEntity
    public let key: String
    public let ascending: Bool

    public init(entity: FilterEntity, key: String, ascending: Bool) {
        self.entity = entity
        self.key = key
        self.ascending = ascending
    }

    /// Parses `metrics.loss`, `params.lr ASC`, `` tags.`my tag` DESC ``, `attributes.start_time`.
    public static func parse(_ text: String) throws -> RunOrder {
        var p = FilterParser(text, language: "order-by")
        let (entity, key) = try p.parseEntityKey()
        var ascending = true
        if let t = p.peek(), case .word(let w) = t.kind {
            switch w.uppercased() {
            case "ASC": ascending = true
            case "DESC": ascending = false
            default:
                throw p.error(t.column, "expected ASC or DESC after the key", mlflow: "Invalid ordering key in order_by clause '\(text)'.")
            }
            _ = p.next()
        }
        if let t = p.peek() { throw p.error(t.column, "unexpected text after the order-by item") }
        if entity == .attribute { try FilterParser.checkAttribute(key, column: 1, text: text, language: "order-by") }
        return RunOrder(entity: entity, key: key, ascending: ascending)
    }
}

/// The attributes a filter may name, and whether they compare as numbers.
public enum RunAttribute {
    public static let strings: Set<String> = ["run_id", "run_name", "status", "user_id", "artifact_uri", "experiment_id"]
    public static let numbers: Set<String> = ["start_time", "end_time", "created"]

    /// The keys the reference lists when it refuses an attribute, as its Python sets print them.
    static let mlflowFilterKeys = [
        "artifact_uri", "run_id", "created", "status", "Run Name", "start_time", "user_id", "run name", "run_name", "Created",
        "end_time", "Run name",
    ]
    static let mlflowOrderKeys = ["artifact_uri", "run_id", "created", "status", "start_time", "user_id", "run_name", "Created", "end_time"]

    /// A Python set literal of strings as the reference's messages print one: `{'a', 'b'}`.
    static func pythonSet(_ items: [String]) -> String { "{" + items.map { "'\($0)'" }.joined(separator: ", ") + "}" }

    /// The reference's refusal of an attribute key it does not know.
    static func unknownKeyWords(_ key: String, language: String) -> String {
        "Invalid attribute key '\(key)' specified. Valid keys are '\(pythonSet(language == "filter" ? mlflowFilterKeys : mlflowOrderKeys))'"
    }

    /// The reference's refusal of an operator its key does not take (its sets, and its quoting slips, as printed).
    static func comparatorWords(_ entity: FilterEntity, key: String, op: String) -> String {
        let metric = pythonSet([">", ">=", "!=", "=", "<", "<="])
        let paramOrTag = pythonSet(["!=", "=", "LIKE", "ILIKE", "IS NULL", "IS NOT NULL"])
        let stringAttribute = pythonSet(["!=", "=", "LIKE", "ILIKE", "IN", "NOT IN"])
        switch entity {
        case .metric: return "Invalid comparator '\(op)' not one of '\(metric)"
        case .param: return "Invalid comparator '\(op)' not one of '\(paramOrTag)'"
        case .tag: return "Invalid comparator '\(op)' not one of '\(paramOrTag)"
        case .attribute where numbers.contains(key): return "Invalid comparator '\(op)' not one of '\(stringAttribute)"
        case .attribute: return "Invalid comparator '\(op)' not one of '\(stringAttribute)'"
        }
    }

    /// The reference's refusal of a value of the wrong kind (`raw` as written).
    static func valueWords(_ entity: FilterEntity, key: String, raw: String) -> String {
        switch entity {
        case .metric: return "Expected numeric value type for metric. Found \(raw)"
        case .attribute where numbers.contains(key): return "Expected numeric value type for numeric attribute: \(key). Found \(raw)"
        case .attribute: return "Expected a quoted string value for attributes. Got value \(raw)"
        case .param: return "Expected a quoted string value for parameter (e.g. 'my-value'). Got value \(raw)"
        case .tag: return "Expected a quoted string value for tag (e.g. 'my-value'). Got value \(raw)"
        }
    }
}

struct FilterParser {
    enum Kind: Equatable {
        case word(String)
        case quoted(String, Character)  // text, quote character
        case number(Double)
        case op(String)
        case lparen, rparen, comma
    }
    struct Token {
        let kind: Kind
        let column: Int
        /// The token as written (the reference quotes it in its messages).
        var raw = ""
    }

    let text: String
    var tokens: [Token] = []
    var pos = 0
    var lexError: TrackerError?
    /// What the text is, for error messages: `filter` or `order-by` (they share this lexer).
    let language: String

    init(_ text: String, language: String = "filter") {
        self.text = text
        self.language = language
        do { tokens = try lex(Array(text.unicodeScalars)) } catch let e as TrackerError { lexError = e } catch {}
    }

    /// A syntax error for the terminal; `mlflow` is the reference's wording for the MLflow API.
    func error(_ column: Int, _ what: String, mlflow: String? = nil) -> TrackerError {
        TrackerError.invalid("\(language) syntax error at column \(column): \(what) (in: \(text))", subject: mlflow.map { .filter(mlflow: $0) })
    }

    func lex(_ s: [Unicode.Scalar]) throws -> [Token] {
        var out: [Token] = []
        var i = 0
        while i < s.count {
            let c = s[i]
            if c == " " || c == "\t" || c == "\n" || c == "\r" {
                i += 1
                continue
            }
            let (token, end) = try lexToken(s, at: i)
            out.append(token)
            i = end
        }
        return out
    }

    static func isWordChar(_ c: Unicode.Scalar) -> Bool {
        c.properties.isAlphabetic || ("0"..."9").contains(c) || c == "_" || c == "." || c == ":" || c == "/" || c == "-"
    }

    /// The token starting at `i` (not a blank) and the index after it.
    func lexToken(_ s: [Unicode.Scalar], at i: Int) throws -> (Token, Int) {
        let c = s[i]
        let col = i + 1
        switch c {
        case "(": return (Token(kind: .lparen, column: col, raw: "("), i + 1)
        case ")": return (Token(kind: .rparen, column: col, raw: ")"), i + 1)
        case ",": return (Token(kind: .comma, column: col, raw: ","), i + 1)
        case "'", "\"", "`": return try lexQuoted(s, at: i)
        // Not an operator here; lexed as one so the parser can refuse it for its key, as the reference does.
        case "~": return (Token(kind: .op("~"), column: col, raw: "~"), i + 1)
        default: break
        }
        if "=!<>".unicodeScalars.contains(c) { return try lexOperator(s, at: i) }
        if ("0"..."9").contains(c)
            || ((c == "-" || c == "+" || c == ".") && i + 1 < s.count && (("0"..."9").contains(s[i + 1]) || s[i + 1] == "."))
        {
            return try lexNumber(s, at: i)
        }
        if Self.isWordChar(c) {
            var j = i
            while j < s.count, Self.isWordChar(s[j]) { j += 1 }
            let w = String(String.UnicodeScalarView(s[i..<j]))
            return (Token(kind: .word(w), column: col, raw: w), j)
        }
        throw error(col, "unexpected character '\(c)'")
    }

    /// A string or back-quoted key: a doubled quote, `\'` and `\\` stand for themselves.
    func lexQuoted(_ s: [Unicode.Scalar], at i: Int) throws -> (Token, Int) {
        let c = s[i]
        var v = String.UnicodeScalarView()
        var j = i + 1
        var closed = false
        while j < s.count {
            if s[j] == c {
                if j + 1 < s.count && s[j + 1] == c {  // doubled quote = one quote
                    v.append(c)
                    j += 2
                    continue
                }
                closed = true
                break
            }
            if s[j] == "\\" && j + 1 < s.count && (s[j + 1] == c || s[j + 1] == "\\") {
                v.append(s[j + 1])
                j += 2
                continue
            }
            v.append(s[j])
            j += 1
        }
        if !closed { throw error(i + 1, "unterminated \(c == "`" ? "back-quoted key" : "string")") }
        let raw = String(String.UnicodeScalarView(s[i...min(j, s.count - 1)]))
        return (Token(kind: .quoted(String(v), Character(c)), column: i + 1, raw: raw), j + 1)
    }

    /// `= != < <= > >=`, with `==` as `=` and `<>` as `!=`; a lone `!` is refused.
    func lexOperator(_ s: [Unicode.Scalar], at i: Int) throws -> (Token, Int) {
        let c = s[i]
        var op = String(c)
        var end = i + 1
        if i + 1 < s.count && s[i + 1] == "=" {
            op += "="
            end = i + 2
        } else if c == "<" && i + 1 < s.count && s[i + 1] == ">" {
            op = "!="
            end = i + 2
        }
        if op == "!" { throw error(i + 1, "'!' must be followed by '='") }
        if op == "==" { op = "=" }
        return (Token(kind: .op(op), column: i + 1, raw: op), end)
    }

    func lexNumber(_ s: [Unicode.Scalar], at i: Int) throws -> (Token, Int) {
        var j = i + 1
        while j < s.count,
            ("0"..."9").contains(s[j]) || s[j] == "." || s[j] == "e" || s[j] == "E"
                || ((s[j] == "-" || s[j] == "+") && (s[j - 1] == "e" || s[j - 1] == "E"))
        {
            j += 1
        }
        let t = String(String.UnicodeScalarView(s[i..<j]))
        guard let d = Double(t) else { throw error(i + 1, "'\(t)' is not a number") }
        return (Token(kind: .number(d), column: i + 1, raw: t), j)
    }

    func peek() -> Token? { pos < tokens.count ? tokens[pos] : nil }
    mutating func next() -> Token? {
        defer { pos += 1 }
        return peek()
    }
    var endColumn: Int { text.unicodeScalars.count + 1 }

    mutating func parseFilter() throws -> [FilterClause] {
        if let e = lexError { throw e }
        var clauses: [FilterClause] = []
        if tokens.isEmpty { return [] }
        while true {
            clauses.append(try parseClause())
            guard let t = next() else { return clauses }
            guard case .word(let w) = t.kind, w.uppercased() == "AND" else {
                if case .word(let w) = t.kind, w.uppercased() == "OR" {
                    throw error(t.column, "OR is not supported; only AND joins clauses")
                }
                throw error(t.column, "expected AND between clauses")
            }
        }
    }

    /// `metrics.acc`, `` metrics.`a key` ``, `params."lr"`.
    mutating func parseEntityKey() throws -> (FilterEntity, String) {
        if let e = lexError { throw e }
        guard let t = next() else { throw error(endColumn, "expected a key such as metrics.accuracy") }
        guard case .word(let w) = t.kind else { throw error(t.column, "expected a key such as metrics.accuracy") }
        guard let dot = w.firstIndex(of: ".") else {
            // A bare key is an attribute, as in MLflow (`run_name ILIKE 'a%'`).
            if RunAttribute.strings.contains(w) || RunAttribute.numbers.contains(w) { return (.attribute, w) }
            throw error(
                t.column, "'\(w)' has no entity; write metrics.\(w), params.\(w), tags.\(w) or attributes.\(w)",
                mlflow: RunAttribute.unknownKeyWords(w, language: language))
        }
        let entityWord = String(w[..<dot])
        guard let entity = FilterEntity(word: entityWord) else {
            if entityWord.lowercased() == "datasets" || entityWord.lowercased() == "dataset" {
                throw error(t.column, "dataset filters are not supported")
            }
            throw error(t.column, "invalid entity type '\(entityWord)'; use metrics, params, tags or attributes")
        }
        var key = String(w[w.index(after: dot)...])
        if key.isEmpty {
            guard let q = next(), case .quoted(let k, let quote) = q.kind, quote == "`" || quote == "\"" else {
                throw error(t.column + w.count, "expected a key after '\(w)'")
            }
            key = k
        }
        if key.isEmpty { throw error(t.column, "empty key") }
        return (entity, key)
    }

    static func checkAttribute(_ key: String, column: Int, text: String, language: String = "filter") throws {
        if !RunAttribute.strings.contains(key) && !RunAttribute.numbers.contains(key) {
            throw TrackerError.invalid(
                "\(language) syntax error at column \(column): unknown attribute '\(key)'; use one of \((RunAttribute.strings.union(RunAttribute.numbers)).sorted().joined(separator: ", ")) (in: \(text))",
                subject: .filter(mlflow: RunAttribute.unknownKeyWords(key, language: language)))
        }
    }

    mutating func parseClause() throws -> FilterClause {
        let start = peek()?.column ?? endColumn
        let (entity, key) = try parseEntityKey()
        if entity == .attribute { try FilterParser.checkAttribute(key, column: start, text: text) }
        guard let t = next() else { throw error(endColumn, "expected an operator after '\(key)'") }
        let op = try parseOperator(t, entity: entity, key: key)
        let numeric = entity == .metric || (entity == .attribute && RunAttribute.numbers.contains(key))
        try checkOperator(op, at: t, entity: entity, key: key, numeric: numeric)
        switch op {
        case .isNull, .isNotNull: return FilterClause(entity: entity, key: key, op: op, value: .none)
        case .isIn, .notIn: return FilterClause(entity: entity, key: key, op: op, value: .list(try parseList(op, at: t)))
        default: return FilterClause(entity: entity, key: key, op: op, value: try parseValue(op, entity: entity, key: key, numeric: numeric))
        }
    }

    /// The operator starting with `t`: a symbol, or `LIKE ILIKE IN`, `NOT IN`, `IS [NOT] NULL`.
    mutating func parseOperator(_ t: Token, entity: FilterEntity, key: String) throws -> FilterOp {
        switch t.kind {
        case .op(let o):
            guard let known = FilterOp(rawValue: o) else {
                throw error(t.column, "unexpected '\(o)'", mlflow: RunAttribute.comparatorWords(entity, key: key, op: o))
            }
            return known
        case .word(let w):
            switch w.uppercased() {
            case "LIKE": return .like
            case "ILIKE": return .ilike
            case "IN": return .isIn
            case "NOT":
                guard let n = next(), case .word(let w2) = n.kind, w2.uppercased() == "IN" else {
                    throw error(t.column, "expected IN after NOT")
                }
                return .notIn
            case "IS":
                var notNull = false
                if let n = peek(), case .word(let w2) = n.kind, w2.uppercased() == "NOT" {
                    notNull = true
                    _ = next()
                }
                guard let n = next(), case .word(let w3) = n.kind, w3.uppercased() == "NULL" else {
                    throw error(t.column, "expected NULL after IS")
                }
                return notNull ? .isNotNull : .isNull
            default: throw error(t.column, "expected an operator (= != > >= < <= LIKE ILIKE IN IS NULL), found '\(w)'")
            }
        default: throw error(t.column, "expected an operator after '\(key)'")
        }
    }

    /// Which operators each kind of key allows (MLflow's table).
    func checkOperator(_ op: FilterOp, at t: Token, entity: FilterEntity, key: String, numeric: Bool) throws {
        let refused = RunAttribute.comparatorWords(entity, key: key, op: op.rawValue)
        switch op {
        case .gt, .ge, .lt, .le:
            if !numeric { throw error(t.column, "'\(op.rawValue)' compares numbers; \(entity.rawValue) '\(key)' is a string", mlflow: refused) }
        case .like, .ilike:
            if numeric { throw error(t.column, "'\(op.rawValue)' compares strings; \(entity.rawValue) '\(key)' is a number", mlflow: refused) }
        case .isIn, .notIn:
            if entity != .attribute || numeric {
                throw error(t.column, "'\(op.rawValue)' is only for string attributes such as attributes.run_id", mlflow: refused)
            }
        case .isNull, .isNotNull:
            if entity == .metric || entity == .attribute {
                throw error(t.column, "'\(op.rawValue)' is only for params and tags", mlflow: refused)
            }
        case .eq, .ne: break
        }
    }

    /// `('a', 'b', …)` after IN / NOT IN.
    mutating func parseList(_ op: FilterOp, at t: Token) throws -> [String] {
        guard let l = next(), l.kind == .lparen else { throw error(t.column, "expected '(' after \(op.rawValue)") }
        var items: [String] = []
        while true {
            guard let v = next(), case .quoted(let s, let q) = v.kind, q != "`" else {
                throw error(peek()?.column ?? endColumn, "expected a quoted string in the \(op.rawValue) list")
            }
            items.append(s)
            guard let sep = next() else { throw error(endColumn, "expected ')' to close the list") }
            if sep.kind == .rparen { return items }
            if sep.kind != .comma { throw error(sep.column, "expected ',' or ')' in the list") }
        }
    }

    /// A number (bare or quoted) for numeric keys, a quoted string otherwise.
    mutating func parseValue(_ op: FilterOp, entity: FilterEntity, key: String, numeric: Bool) throws -> FilterValue {
        guard let v = next() else { throw error(endColumn, "expected a value after '\(op.rawValue)'") }
        let badValue = RunAttribute.valueWords(entity, key: key, raw: v.raw)
        if numeric {
            switch v.kind {
            case .number(let d): return .number(d)
            case .quoted(let s, let q) where q != "`":
                if let d = Double(s) { return .number(d) }
                throw error(v.column, "expected a number, found '\(s)'", mlflow: badValue)
            default: throw error(v.column, "expected a number", mlflow: badValue)
            }
        }
        guard case .quoted(let s, let q) = v.kind, q != "`" else {
            throw error(v.column, "expected a 'quoted' string value for \(entity.rawValue) '\(key)'", mlflow: badValue)
        }
        return .string(s)
    }
}
