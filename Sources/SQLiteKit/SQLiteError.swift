import CSQLite

/// A failed SQLite call: the extended result code, SQLite's message and the SQL that failed.
///
/// Bound values are never included (they may hold user data). This is the developer-facing
/// error; the store maps the ones users can cause (constraints, busy, read-only, corrupt) to
/// messages that say what to do.
public struct SQLiteError: Error, CustomStringConvertible, Sendable {
    /// The extended result code (`SQLITE_CONSTRAINT_UNIQUE`, `SQLITE_BUSY_SNAPSHOT`, …).
    public let extendedCode: Int32
    /// `sqlite3_errmsg` read right after the failing call.
    public let message: String
    /// The statement that failed, when there was one.
    public let sql: String?
    /// The engine that failed: "SQLite", or "PostgreSQL" for its errors mapped onto SQLite's codes.
    public let engine: String

    public init(extendedCode: Int32, message: String, sql: String? = nil, engine: String = "SQLite") {
        self.extendedCode = extendedCode
        self.message = message
        self.sql = sql
        self.engine = engine
    }

    /// The error for return code `rc` on connection `handle`, reading its message at once.
    init(handle: OpaquePointer, _ rc: Int32, sql: String?) {
        let code = rc == SQLITE_ERROR ? sqlite3_extended_errcode(handle) : rc
        self.init(extendedCode: code, message: String(cString: sqlite3_errmsg(handle)), sql: sql)
    }

    // Extended codes are macros built with shifts, which Swift does not import.
    // https://sqlite.org/rescode.html
    public static let constraintUnique: Int32 = SQLITE_CONSTRAINT | (8 << 8)
    public static let constraintPrimaryKey: Int32 = SQLITE_CONSTRAINT | (6 << 8)
    public static let constraintForeignKey: Int32 = SQLITE_CONSTRAINT | (3 << 8)
    public static let constraintCheck: Int32 = SQLITE_CONSTRAINT | (1 << 8)
    public static let constraintNotNull: Int32 = SQLITE_CONSTRAINT | (5 << 8)

    /// The primary result code (the low byte of the extended code).
    public var primaryCode: Int32 { extendedCode & 0xFF }

    public var isConstraintViolation: Bool { primaryCode == SQLITE_CONSTRAINT }
    public var isUniqueViolation: Bool {
        extendedCode == SQLiteError.constraintUnique || extendedCode == SQLiteError.constraintPrimaryKey
    }
    public var isForeignKeyViolation: Bool { extendedCode == SQLiteError.constraintForeignKey }
    public var isBusy: Bool { primaryCode == SQLITE_BUSY || primaryCode == SQLITE_LOCKED }
    public var isReadOnly: Bool { primaryCode == SQLITE_READONLY }
    public var isNotADatabase: Bool { primaryCode == SQLITE_NOTADB || primaryCode == SQLITE_CORRUPT }
    public var isCantOpen: Bool { primaryCode == SQLITE_CANTOPEN }
    public var isDiskFull: Bool { primaryCode == SQLITE_FULL }
    public var isIOError: Bool { primaryCode == SQLITE_IOERR }

    public var description: String {
        var s: String
        if engine == "SQLite" {
            s = "SQLite error \(extendedCode) (\(String(cString: sqlite3_errstr(extendedCode)))): \(message)"
        } else {
            s = "\(engine) error: \(message)"
        }
        if let sql { s += " — in: \(sql)" }
        return s
    }
}
