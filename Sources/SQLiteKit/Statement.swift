import CSQLite

/// A prepared statement. Owns its `sqlite3_stmt` and finalizes it in `deinit`.
///
/// Not `Sendable`: a statement belongs to one `Connection`, which is only reached through the
/// `Database` lock. See <https://sqlite.org/c3ref/stmt.html>.
///
/// It keeps its connection's raw handle, not the `Connection`: the connection caches its
/// statements, and a strong reference back would keep both alive forever (the file would never
/// be closed, so SQLite would never checkpoint the WAL into it). `sqlite3_close_v2` keeps the
/// handle usable until the last statement is finalized.
public final class Statement {
    let handle: OpaquePointer
    private let db: OpaquePointer
    /// The SQL text, for error messages.
    public let sql: String

    init(connection: Connection, sql: String) throws {
        var stmt: OpaquePointer?
        // https://sqlite.org/c3ref/prepare.html
        let rc = sqlite3_prepare_v3(connection.handle, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &stmt, nil)
        guard rc == SQLITE_OK, let stmt else {
            throw connection.error(rc, sql: sql)
        }
        self.handle = stmt
        self.db = connection.handle
        self.sql = sql
    }

    deinit {
        // https://sqlite.org/c3ref/finalize.html
        sqlite3_finalize(handle)
    }

    /// Number of `?` parameters the statement takes.
    public var parameterCount: Int { Int(sqlite3_bind_parameter_count(handle)) }

    // MARK: - Binding

    /// Resets the statement and binds `values` to its parameters, in order.
    /// See <https://sqlite.org/c3ref/bind_blob.html>.
    public func bind(_ values: [SQLiteValue]) throws {
        sqlite3_reset(handle)
        sqlite3_clear_bindings(handle)
        guard values.count == parameterCount else {
            throw SQLiteError(
                extendedCode: SQLITE_RANGE,
                message: "statement takes \(parameterCount) parameters, \(values.count) given", sql: sql)
        }
        for (i, v) in values.enumerated() {
            try bind(v, at: Int32(i + 1))
        }
    }

    /// Binds one value at a 1-based parameter index.
    public func bind(_ value: SQLiteValue, at index: Int32) throws {
        let rc: Int32
        switch value {
        case .integer(let v): rc = sqlite3_bind_int64(handle, index, v)
        case .real(let v): rc = sqlite3_bind_double(handle, index, v)
        case .text(let s):
            // Pass the byte length: text may hold NUL characters.
            var copy = s
            rc = copy.withUTF8 { utf8 in
                sqlite3_bind_text64(
                    handle, index, UnsafeRawPointer(utf8.baseAddress ?? UnsafePointer(bitPattern: 1)!).assumingMemoryBound(to: CChar.self),
                    sqlite3_uint64(utf8.count), csqlite_transient(), UInt8(SQLITE_UTF8))
            }
        case .blob(let b):
            rc = b.withUnsafeBytes { raw in
                // A zero-length blob must still be a blob, not NULL: pass a valid pointer.
                sqlite3_bind_blob64(
                    handle, index, raw.baseAddress ?? UnsafeRawPointer(bitPattern: 1), sqlite3_uint64(b.count), csqlite_transient())
            }
        case .null: rc = sqlite3_bind_null(handle, index)
        }
        guard rc == SQLITE_OK else { throw SQLiteError(handle: db, rc, sql: sql) }
    }

    /// Binds an integer without boxing it in a `SQLiteValue` (hot paths).
    @inline(__always)
    public func bind(int value: Int64, at index: Int32) {
        sqlite3_bind_int64(handle, index, value)
    }

    /// Binds a double without boxing it (hot paths). NaN becomes NULL, as SQLite does.
    @inline(__always)
    public func bind(double value: Double, at index: Int32) {
        sqlite3_bind_double(handle, index, value)
    }

    /// Binds NULL (hot paths).
    @inline(__always)
    public func bindNull(at index: Int32) {
        sqlite3_bind_null(handle, index)
    }

    // MARK: - Stepping

    /// Steps once. Returns `true` when a row is available, `false` when done.
    /// See <https://sqlite.org/c3ref/step.html>.
    @discardableResult
    public func step() throws -> Bool {
        let rc = sqlite3_step(handle)
        switch rc {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        default:
            let err = SQLiteError(handle: db, rc, sql: sql)
            sqlite3_reset(handle)
            throw err
        }
    }

    /// Resets the statement so it can run again (bindings are kept).
    @inline(__always)
    public func reset() {
        sqlite3_reset(handle)
    }

    /// Steps to completion, then resets: for INSERT/UPDATE/DELETE in hot loops.
    @inline(__always)
    public func run() throws {
        let rc = sqlite3_step(handle)
        if rc != SQLITE_DONE && rc != SQLITE_ROW {
            let err = SQLiteError(handle: db, rc, sql: sql)
            sqlite3_reset(handle)
            throw err
        }
        sqlite3_reset(handle)
    }

    /// The current row. Valid until the next `step()` or `reset()`.
    public var row: Row { Row(handle: handle) }
}

/// The current row of a statement: decode columns by 0-based index.
///
/// Text and blobs are copied out, so decoded values outlive the next step. Another backend
/// (PostgreSQL) hands rows of already decoded values (`init(cells:)`); the accessors convert them
/// as SQLite converts a column (an integer read as a double, NULL read as 0 or "").
public struct Row {
    // Inlinable accessors: the SQLite path stays a direct C call at every call site (the seam
    // must cost SQLite nothing); decoded cells take the out-of-line conversions.
    @usableFromInline let handle: OpaquePointer?
    /// The values of a decoded row; empty for a SQLite statement's row.
    @usableFromInline let cells: UnsafeBufferPointer<SQLiteValue>

    init(handle: OpaquePointer) {
        self.handle = handle
        self.cells = UnsafeBufferPointer(start: nil, count: 0)
    }

    /// A row of decoded values, valid while `cells` is (for the length of a `map` call).
    public init(cells: UnsafeBufferPointer<SQLiteValue>) {
        self.handle = nil
        self.cells = cells
    }

    /// Number of columns in the result.
    public var count: Int {
        guard let handle else { return cells.count }
        return Int(sqlite3_column_count(handle))
    }

    /// Decodes one column. See <https://sqlite.org/c3ref/column_blob.html>.
    public subscript(_ index: Int) -> SQLiteValue {
        guard let handle else { return cells[index] }
        let i = Int32(index)
        switch sqlite3_column_type(handle, i) {
        case SQLITE_INTEGER: return .integer(sqlite3_column_int64(handle, i))
        case SQLITE_FLOAT: return .real(sqlite3_column_double(handle, i))
        case SQLITE_TEXT: return .text(text(handle, i))
        case SQLITE_BLOB:
            let n = Int(sqlite3_column_bytes(handle, i))
            guard n > 0, let p = sqlite3_column_blob(handle, i) else { return .blob([]) }
            return .blob(Array(UnsafeRawBufferPointer(start: p, count: n)))
        default: return .null
        }
    }

    private func text(_ handle: OpaquePointer, _ i: Int32) -> String {
        guard let p = sqlite3_column_text(handle, i) else { return "" }
        let n = Int(sqlite3_column_bytes(handle, i))
        return String(decoding: UnsafeBufferPointer(start: p, count: n), as: UTF8.self)
    }

    /// Whether a column is NULL.
    @inlinable
    public func isNull(_ index: Int) -> Bool {
        guard let handle else { return cells[index].isNull }
        return sqlite3_column_type(handle, Int32(index)) == SQLITE_NULL
    }

    /// An integer column (0 for NULL).
    @inlinable
    public func int64(_ index: Int) -> Int64 {
        guard let handle else { return Row.int64(cells[index]) }
        return sqlite3_column_int64(handle, Int32(index))
    }
    /// An integer column as `Int` (0 for NULL).
    @inlinable
    public func int(_ index: Int) -> Int { Int(int64(index)) }
    /// A real column (0 for NULL).
    @inlinable
    public func double(_ index: Int) -> Double {
        guard let handle else { return Row.double(cells[index]) }
        return sqlite3_column_double(handle, Int32(index))
    }
    /// A text column ("" for NULL).
    public func string(_ index: Int) -> String {
        guard let handle else { return Row.string(cells[index]) }
        return isNull(index) ? "" : text(handle, Int32(index))
    }
    /// A nullable text column.
    public func optionalString(_ index: Int) -> String? { isNull(index) ? nil : string(index) }
    /// A nullable integer column.
    @inlinable
    public func optionalInt64(_ index: Int) -> Int64? { isNull(index) ? nil : int64(index) }
    /// A nullable real column.
    @inlinable
    public func optionalDouble(_ index: Int) -> Double? { isNull(index) ? nil : double(index) }

    // SQLite's conversions for a decoded value (https://sqlite.org/c3ref/column_blob.html).
    @usableFromInline
    static func int64(_ v: SQLiteValue) -> Int64 {
        switch v {
        case .integer(let i): return i
        case .real(let d): return d.isFinite ? Int64(exactly: d.rounded(.towardZero)) ?? (d < 0 ? .min : .max) : 0
        case .text(let s): return Int64(s) ?? Double(s).map { Int64(exactly: $0.rounded(.towardZero)) ?? 0 } ?? 0
        case .blob, .null: return 0
        }
    }

    @usableFromInline
    static func double(_ v: SQLiteValue) -> Double {
        switch v {
        case .integer(let i): return Double(i)
        case .real(let d): return d
        case .text(let s): return Double(s) ?? 0
        case .blob, .null: return 0
        }
    }

    private static func string(_ v: SQLiteValue) -> String {
        switch v {
        case .integer(let i): return String(i)
        case .real(let d): return String(d)
        case .text(let s): return s
        case .blob(let b): return String(decoding: b, as: UTF8.self)
        case .null: return ""
        }
    }
}
