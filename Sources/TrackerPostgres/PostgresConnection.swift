import Foundation
import Logging
import NIOCore
import PostgresNIO
import SQLiteKit

/// One PostgreSQL connection as the store's `SQLConnection`: the repositories' `?` SQL is
/// rewritten to `$n`, values bound from `SQLiteValue`, result cells decoded back into
/// `SQLiteValue`s behind the same `Row` accessors, and errors mapped onto `SQLiteError`'s codes.
///
/// Synchronous: each call waits on PostgresNIO's future, so it must run off the event loop (the
/// store's callers already do: the CLI's main thread, the server's blocking pool).
public final class PGConnection: SQLConnection {
    let connection: PostgresConnection
    let logger: Logger
    /// `?` SQL → `$n` SQL and the values' order, rewritten once per text (when no value is NULL).
    private var rewritten: [String: (String, [Int])] = [:]
    /// Statements sent but not waited for (a transaction's BEGIN and lock): PostgresNIO runs a
    /// connection's statements in order, so the next statement's answer comes after theirs, and
    /// waiting for it then checking them saves a thread wake-up each.
    private var unchecked: [(sql: String, result: EventLoopFuture<PostgresQueryResult>)] = []
    public private(set) var changes = 0
    /// Whether a statement failed in a way that leaves the connection unusable (closed socket).
    var isBroken: Bool { connection.isClosed }

    init(_ connection: PostgresConnection, logger: Logger) {
        self.connection = connection
        self.logger = logger
    }

    public var dialect: SQLDialect { .postgres }

    /// Runs every statement of `sql` in turn (PostgreSQL's extended protocol takes one at a time).
    public func execute(_ sql: String) throws {
        for statement in PGSQL.statements(sql) {
            _ = try perform(statement, [], rewrite: false)
        }
    }

    @discardableResult
    public func run(_ sql: String, _ values: [SQLiteValue]) throws -> Int {
        _ = try perform(sql, values)
        return changes
    }

    public func query<T>(_ sql: String, _ values: [SQLiteValue], cache: Bool, _ map: (Row) throws -> T) throws -> [T] {
        let result = try perform(sql, values)
        var out: [T] = []
        out.reserveCapacity(result.rows.count)
        var cells: [SQLiteValue] = []
        for row in result.rows {
            cells.removeAll(keepingCapacity: true)
            for cell in row { cells.append(try PGSQL.value(cell)) }
            out.append(try cells.withUnsafeBufferPointer { try map(Row(cells: $0)) })
        }
        return out
    }

    public func queryOne<T>(_ sql: String, _ values: [SQLiteValue], _ map: (Row) throws -> T) throws -> T? {
        try query(sql, values, cache: true, map).first
    }

    public func insert(_ sql: String, _ values: [SQLiteValue]) throws -> Int64 {
        guard let id = try queryOne(sql + " RETURNING id", values, { $0.int64(0) }) else {
            throw SQLiteError(extendedCode: 1, message: "the INSERT returned no id", sql: sql, engine: "PostgreSQL")
        }
        return id
    }

    public func statement(_ sql: String) throws -> any SQLStatement { PGStatement(self, sql) }

    /// Runs a query and returns its rows as one flat array of values, and the column count.
    func rows(_ sql: String, _ values: [SQLiteValue]) throws -> (cells: [SQLiteValue], columns: Int) {
        let result = try perform(sql, values)
        var cells: [SQLiteValue] = []
        var columns = 0
        for row in result.rows {
            columns = row.count
            for cell in row { cells.append(try PGSQL.value(cell)) }
        }
        return (cells, columns)
    }

    /// Sends one statement and waits for all its rows.
    private func perform(_ sql: String, _ values: [SQLiteValue], rewrite: Bool = true) throws -> PostgresQueryResult {
        let text: String
        let order: [Int]
        if !rewrite {
            (text, order) = (sql, Array(values.indices.map { $0 + 1 }))
        } else if !values.contains(where: PGSQL.bindsNull) {
            if let known = rewritten[sql] {
                (text, order) = known
            } else {
                (text, order) = PGSQL.numberPlaceholders(sql)
                rewritten[sql] = (text, order)
            }
        } else {
            (text, order) = PGSQL.numberPlaceholders(sql) { $0 <= values.count && PGSQL.bindsNull(values[$0 - 1]) }
        }
        var binds = PostgresBindings(capacity: order.count)
        for number in order {
            guard number >= 1 && number <= values.count else {
                throw SQLiteError(extendedCode: 25, message: "parameter \(number) has no value (\(values.count) given)", sql: sql, engine: "PostgreSQL")
            }
            switch values[number - 1] {
            case .integer(let i): binds.append(i)
            case .real(let d): binds.append(d)
            case .text(let s): binds.append(s)
            case .blob(let b): binds.append(ByteBuffer(bytes: b))
            case .null: binds.appendNull()
            }
        }
        let answer = Result { try connection.query(PostgresQuery(unsafeSQL: text, binds: binds), logger: logger).wait() }
        try checkUnchecked()
        do {
            let result = try answer.get()
            changes = result.metadata.rows ?? 0
            return result
        } catch {
            throw PGSQL.sqliteError(error, sql: sql)
        }
    }

    /// Sends a statement without waiting for it; the next `perform` checks it.
    private func send(_ sql: String) {
        unchecked.append((sql, connection.query(PostgresQuery(unsafeSQL: sql), logger: logger)))
    }

    /// Throws the first error of the statements sent unchecked (all answered by now: they were
    /// sent before the statement just waited for), and forgets them.
    private func checkUnchecked() throws {
        guard !unchecked.isEmpty else { return }
        let sent = unchecked
        unchecked = []
        for (sql, result) in sent {
            do { _ = try result.wait() } catch { throw PGSQL.sqliteError(error, sql: sql) }
        }
    }

    /// Runs `body` between `begin` and COMMIT; ROLLBACK on throw (the first error wins). The
    /// `begin` statements go out with the body's first statement, which then waits for all of
    /// them at once and throws the first one's error if any failed: a failed lock aborts the
    /// transaction, so nothing after it runs; BEGIN fails only on a broken connection, which
    /// fails what follows too. With `commitUnwaited` (a read transaction: its COMMIT changes
    /// nothing and fails only on a broken connection) COMMIT is sent and checked by the
    /// connection's next statement, saving a round trip per read.
    func transaction<T>(begin: [String], commitUnwaited: Bool = false, _ body: (any SQLConnection) throws -> T) throws -> T {
        for statement in begin { send(statement) }
        let result: T
        do {
            result = try body(self)
            if commitUnwaited { send("COMMIT") } else { _ = try perform("COMMIT", [], rewrite: false) }
        } catch {
            _ = try? perform("ROLLBACK", [], rewrite: false)
            throw error
        }
        return result
    }

    /// Closes the connection and waits until it is (PostgresNIO requires it closed before it is
    /// released). Idempotent.
    func close() {
        if !connection.isClosed { try? connection.close().wait() }
    }

    deinit { close() }
}

/// A statement for hot loops: collects bound values, sends them on `run()`, or on the first
/// `step()` and then hands out the buffered rows one by one.
final class PGStatement: SQLStatement {
    private let connection: PGConnection
    private let sql: String
    private var values: [SQLiteValue] = []
    /// The result of the last execution and the current row's position in it (-1: before it).
    private var result: [SQLiteValue]?
    private var columns = 0
    private var position = -1
    /// The current row's values, copied out so `row` can point at them.
    private var current: UnsafeMutableBufferPointer<SQLiteValue>?

    init(_ connection: PGConnection, _ sql: String) {
        self.connection = connection
        self.sql = sql
    }

    deinit { release() }

    private func release() {
        if let current {
            current.deinitialize()
            current.deallocate()
        }
        current = nil
    }

    func bind(_ values: [SQLiteValue]) throws {
        reset()
        self.values = values
    }

    private func set(_ value: SQLiteValue, _ index: Int32) {
        let i = Int(index) - 1
        if values.count <= i { values.append(contentsOf: repeatElement(.null, count: i + 1 - values.count)) }
        values[i] = value
    }

    func bind(int value: Int64, at index: Int32) { set(.integer(value), index) }
    func bind(double value: Double, at index: Int32) { set(.real(value), index) }
    func bindNull(at index: Int32) { set(.null, index) }

    @discardableResult
    func step() throws -> Bool {
        if result == nil {
            let (cells, n) = try connection.rows(sql, values)
            result = cells
            columns = n
        }
        release()
        position += 1
        guard let result, columns > 0, (position + 1) * columns <= result.count else { return false }
        let row = UnsafeMutableBufferPointer<SQLiteValue>.allocate(capacity: columns)
        _ = row.initialize(from: result[(position * columns)..<((position + 1) * columns)])
        current = row
        return true
    }

    func run() throws {
        _ = try connection.run(sql, values)
        reset()
    }

    func reset() {
        release()
        result = nil
        position = -1
    }

    var row: Row { Row(cells: UnsafeBufferPointer(current ?? UnsafeMutableBufferPointer(start: nil, count: 0))) }
}

/// Dialect helpers for the PostgreSQL backend: placeholders, statement splitting, cell decoding,
/// error mapping.
enum PGSQL {
    /// Whether a value binds as NULL: NULL itself, or NaN (SQLite stores a bound NaN as NULL and
    /// the store reads NULL back as NaN; same here).
    static func bindsNull(_ v: SQLiteValue) -> Bool {
        switch v {
        case .null: return true
        case .real(let d): return d.isNaN
        default: return false
        }
    }

    /// Rewrites SQLite's placeholders to PostgreSQL's outside quotes and comments: `?NNN` is
    /// parameter NNN, a bare `?` one more than the largest number before it (SQLite's rule).
    /// Parameters whose value `isNull` become the literal NULL and the others are renumbered
    /// `$1…` in order: PostgreSQL cannot type a NULL parameter seen first in `? IS NULL`.
    /// Returns the SQL and, for each `$k`, the 1-based number of the value it binds.
    static func numberPlaceholders(_ sql: String, isNull: (Int) -> Bool = { _ in false }) -> (sql: String, order: [Int]) {
        var out = ""
        out.reserveCapacity(sql.utf8.count + 8)
        var numbering = PlaceholderNumbering()
        var digits: String?  // the digits of a `?NNN` being read
        func flush() {
            guard let d = digits else { return }
            digits = nil
            out += numbering.text(digits: d, isNull: isNull)
        }
        scan(sql) { ch, inCode in
            if digits != nil, inCode, ch.isASCII, ch.isNumber {
                digits!.append(ch)
                return
            }
            flush()
            if inCode && ch == "?" {
                digits = ""
            } else {
                out.append(ch)
            }
        }
        flush()
        return (out, numbering.order)
    }

    /// SQLite's placeholder numbers mapped to PostgreSQL's `$k`, in order of first use.
    struct PlaceholderNumbering {
        /// The largest number so far (a bare `?` is one more).
        var n = 0
        /// For each `$k`, the SQLite number it binds.
        var order: [Int] = []
        var renumbered: [Int: Int] = [:]

        /// The text for a `?` followed by `digits` (empty for a bare `?`): NULL, or its `$k`.
        mutating func text(digits d: String, isNull: (Int) -> Bool) -> String {
            let number: Int
            if d.isEmpty {
                n += 1
                number = n
            } else {
                number = Int(d) ?? 0
                n = max(n, number)
            }
            if isNull(number) { return "NULL" }
            if let k = renumbered[number] { return "$\(k)" }
            order.append(number)
            renumbered[number] = order.count
            return "$\(order.count)"
        }
    }

    /// Splits a script into its statements at `;` outside quotes, comments and `$tag$` bodies;
    /// drops empty ones.
    static func statements(_ sql: String) -> [String] {
        var parts: [String] = []
        var current = ""
        scan(sql) { ch, inCode in
            if inCode && ch == ";" {
                parts.append(current)
                current = ""
            } else {
                current.append(ch)
            }
        }
        parts.append(current)
        return parts.filter { !isBlank($0) }
    }

    /// Whether `sql` holds only whitespace and `--` comments.
    static func isBlank(_ sql: String) -> Bool {
        sql.split(separator: "\n").allSatisfy { line in
            let t = line.trimmingCharacters(in: .whitespaces)
            return t.isEmpty || t.hasPrefix("--")
        }
    }

    /// Walks `sql` character by character, telling `visit` whether each one is plain SQL (not in a
    /// string, quoted identifier, comment or dollar-quoted body).
    private static func scan(_ sql: String, _ visit: (Character, Bool) -> Void) {
        let chars = Array(sql)
        var i = 0
        var quote: Character?  // ' or "
        var lineComment = false
        var dollarTag: String?
        while i < chars.count {
            let ch = chars[i]
            if lineComment {
                if ch == "\n" { lineComment = false }
                visit(ch, false)
            } else if let q = quote {
                if ch == q { quote = nil }
                visit(ch, false)
            } else if let tag = dollarTag {
                if ch == "$", String(chars[i..<min(chars.count, i + tag.count)]) == tag {
                    for c in tag { visit(c, false) }
                    i += tag.count
                    dollarTag = nil
                    continue
                }
                visit(ch, false)
            } else if ch == "'" || ch == "\"" {
                quote = ch
                visit(ch, false)
            } else if ch == "-" && i + 1 < chars.count && chars[i + 1] == "-" {
                lineComment = true
                visit(ch, false)
            } else if ch == "$", let tag = openingDollarTag(chars, at: i) {
                for c in tag { visit(c, false) }
                i += tag.count
                dollarTag = tag
                continue
            } else {
                visit(ch, true)
            }
            i += 1
        }
    }

    /// The `$tag$` (tag of letters, digits, `_`, maybe empty) starting at `i`, if one does.
    private static func openingDollarTag(_ chars: [Character], at i: Int) -> String? {
        guard let end = chars[(i + 1)...].firstIndex(of: "$"), chars[(i + 1)..<end].allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" })
        else { return nil }
        return String(chars[i...end])
    }

    /// A result cell as the value SQLite would have returned for it.
    static func value(_ cell: PostgresCell) throws -> SQLiteValue {
        guard cell.bytes != nil else { return .null }
        switch cell.dataType {
        case .int2, .int4, .int8, .oid: return .integer(try cell.decode(Int64.self))
        case .float4, .float8: return .real(try cell.decode(Double.self))
        case .bool: return .integer(try cell.decode(Bool.self) ? 1 : 0)
        case .bytea: return .blob(Array(buffer: cell.bytes!))
        case .numeric:
            // sum() and avg() of integers: an integer when it is one, else a double.
            let text = try cell.decode(Decimal.self).description
            if let i = Int64(text) { return .integer(i) }
            return .real(Double(text) ?? .nan)
        default: return .text(try cell.decode(String.self))
        }
    }

    /// Maps a PostgreSQL error onto the `SQLiteError` the repositories classify: unique, foreign
    /// key, check, not-null and trigger (append-only ledger) violations keep their meaning.
    static func sqliteError(_ error: Error, sql: String) -> Error {
        guard let e = error as? PSQLError else { return error }
        guard let info = e.serverInfo, let state = info[.sqlState] else {
            // No server answer: the connection is gone.
            return SQLiteError(extendedCode: 14, message: "PostgreSQL connection failed: \(String(describing: e.code))", sql: sql, engine: "PostgreSQL")
        }
        let message = info[.message] ?? "PostgreSQL error \(state)"
        let code: Int32
        switch state {
        case "23505": code = 2067  // SQLITE_CONSTRAINT_UNIQUE
        case "23503": code = 787  // SQLITE_CONSTRAINT_FOREIGNKEY
        case "23514": code = 275  // SQLITE_CONSTRAINT_CHECK
        case "23502": code = 1299  // SQLITE_CONSTRAINT_NOTNULL
        case "23001": code = 1811  // SQLITE_CONSTRAINT_TRIGGER (the ledger's append-only trigger)
        case "40001", "40P01", "55P03": code = 5  // SQLITE_BUSY: serialization failure, deadlock, lock timeout
        default: code = 1  // SQLITE_ERROR
        }
        return SQLiteError(extendedCode: code, message: "\(message) (SQLSTATE \(state))", sql: sql, engine: "PostgreSQL")
    }
}

/// PostgreSQL array literals (`{1,2,NULL}`), bound as one text value and cast in the SQL
/// (`unnest(?::bigint[])`): a batch of rows goes as a few parameters of one statement, whatever
/// its size (no 65,535-parameter limit, one SQL text to plan).
public enum PGArray {
    /// A `bigint[]` literal.
    public static func integers(_ values: some Sequence<Int64>) -> SQLiteValue {
        .text(literal(values.lazy.map { String($0) }))
    }

    /// A `double precision[]` literal; NaN becomes NULL (as a NaN bound on SQLite is stored).
    public static func doubles(_ values: some Sequence<Double>) -> SQLiteValue {
        .text(
            literal(
                values.lazy.map { d in
                    if d.isNaN { return "NULL" }
                    if d.isInfinite { return d < 0 ? "-Infinity" : "Infinity" }
                    return String(d)  // the shortest text that reads back as the same double
                }))
    }

    /// A `text[]` literal: each element quoted, `\` and `"` escaped.
    public static func texts(_ values: some Sequence<String>) -> SQLiteValue {
        .text(
            literal(
                values.lazy.map { s in
                    var q = "\""
                    for ch in s.unicodeScalars {
                        if ch == "\\" || ch == "\"" { q.unicodeScalars.append("\\") }
                        q.unicodeScalars.append(ch)
                    }
                    return q + "\""
                }))
    }

    private static func literal(_ elements: some Sequence<String>) -> String {
        "{" + elements.joined(separator: ",") + "}"
    }
}
