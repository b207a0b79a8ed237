import CSQLite

/// One open SQLite connection. Owns its `sqlite3*` and closes it with `sqlite3_close_v2`.
///
/// Not `Sendable`: reach it through `Database`, which serializes access. Statements prepared
/// through `cached(_:)` are kept for the life of the connection.
public final class Connection {
    let handle: OpaquePointer
    /// The file this connection opened.
    public let path: String
    private var cache: [String: Statement] = [:]

    /// How a connection opens its file.
    public enum Mode: Sendable {
        /// Read and write; create the file if it does not exist.
        case readWriteCreate
        /// Read and write an existing file.
        case readWrite
        /// Read only.
        case readOnly
    }

    /// Opens `path` with extended result codes on, then sets WAL, `foreign_keys=ON`,
    /// `synchronous=NORMAL` and a bounded busy timeout.
    /// See <https://sqlite.org/c3ref/open.html>.
    public init(path: String, mode: Mode = .readWriteCreate, busyTimeoutMilliseconds: Int32 = 15_000) throws {
        var flags = SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE
        switch mode {
        case .readWriteCreate: flags |= SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE
        case .readWrite: flags |= SQLITE_OPEN_READWRITE
        case .readOnly: flags |= SQLITE_OPEN_READONLY
        }
        var db: OpaquePointer?
        let rc = sqlite3_open_v2(path, &db, flags, nil)
        guard rc == SQLITE_OK, let db else {
            let message = db.map { String(cString: sqlite3_errmsg($0)) } ?? String(cString: sqlite3_errstr(rc))
            let code = db.map { sqlite3_extended_errcode($0) } ?? rc
            // A failed open still allocates a handle (unless out of memory): close it.
            sqlite3_close_v2(db)
            throw SQLiteError(extendedCode: code, message: message, sql: nil)
        }
        self.handle = db
        self.path = path
        sqlite3_extended_result_codes(db, 1)
        sqlite3_busy_timeout(db, busyTimeoutMilliseconds)
        // Foreign keys must be on before any transaction; defensive mode guards the schema.
        var ignored: Int32 = 0
        _ = csqlite_db_config_int(db, SQLITE_DBCONFIG_DEFENSIVE, 1, &ignored)
        try execute("PRAGMA foreign_keys = ON")
        if mode != .readOnly {
            // journal_mode returns a row; reading it also proves the file is a database.
            _ = try query("PRAGMA journal_mode = WAL") { $0.string(0) }
        } else {
            _ = try query("PRAGMA schema_version") { $0.int(0) }
        }
        try execute("PRAGMA synchronous = NORMAL")
    }

    deinit { close() }

    /// Whether `close()` has run; a closed connection refuses every call.
    public private(set) var isClosed = false

    /// Finalizes the cached statements and closes the file. When this is the last connection to
    /// a WAL database, SQLite checkpoints the WAL into the main file and removes it, so the `.db`
    /// file alone holds the data. Idempotent.
    /// See <https://sqlite.org/c3ref/close.html> (v2 defers the close while statements remain).
    public func close() {
        guard !isClosed else { return }
        isClosed = true
        cache.removeAll()
        sqlite3_close_v2(handle)
    }

    /// Builds an error from a return code, reading the message at once.
    func error(_ rc: Int32, sql: String?) -> SQLiteError {
        SQLiteError(handle: handle, rc, sql: sql)
    }

    /// Throws `SQLITE_MISUSE` once the connection is closed (its handle is gone).
    private func checkOpen(_ sql: String) throws {
        if isClosed { throw SQLiteError(extendedCode: SQLITE_MISUSE, message: "the database connection is closed", sql: sql) }
    }

    // MARK: - Statements

    /// Prepares a statement that is not cached (for one-off SQL such as dynamic filters).
    public func prepare(_ sql: String) throws -> Statement {
        try checkOpen(sql)
        return try Statement(connection: self, sql: sql)
    }

    /// The connection's prepared statement for `sql`, prepared on first use and reused after.
    public func cached(_ sql: String) throws -> Statement {
        if let stmt = cache[sql] {
            stmt.reset()
            return stmt
        }
        try checkOpen(sql)
        let stmt = try Statement(connection: self, sql: sql)
        cache[sql] = stmt
        return stmt
    }

    /// Number of statements in the cache (for tests).
    public var cachedStatementCount: Int { cache.count }

    /// Runs one or more statements with no parameters and no results (schema, pragmas).
    /// See <https://sqlite.org/c3ref/exec.html>.
    public func execute(_ sql: String) throws {
        try checkOpen(sql)
        var errmsg: UnsafeMutablePointer<CChar>?
        let rc = sqlite3_exec(handle, sql, nil, nil, &errmsg)
        if rc != SQLITE_OK {
            let message = errmsg.map { String(cString: $0) } ?? String(cString: sqlite3_errmsg(handle))
            sqlite3_free(errmsg)
            throw SQLiteError(extendedCode: sqlite3_extended_errcode(handle), message: message, sql: sql)
        }
    }

    /// Runs a statement with parameters; returns the number of rows changed.
    @discardableResult
    public func run(_ sql: String, _ values: [SQLiteValue] = []) throws -> Int {
        let stmt = try cached(sql)
        try stmt.bind(values)
        defer { stmt.reset() }
        while try stmt.step() {}
        return Int(sqlite3_changes(handle))
    }

    /// Runs a query and maps every row.
    public func query<T>(_ sql: String, _ values: [SQLiteValue] = [], cache: Bool = true, _ map: (Row) throws -> T) throws -> [T] {
        let stmt = cache ? try cached(sql) : try prepare(sql)
        try stmt.bind(values)
        defer { stmt.reset() }
        var out: [T] = []
        while try stmt.step() {
            out.append(try map(stmt.row))
        }
        return out
    }

    /// Runs a query and maps its first row, if any.
    public func queryOne<T>(_ sql: String, _ values: [SQLiteValue] = [], _ map: (Row) throws -> T) throws -> T? {
        let stmt = try cached(sql)
        try stmt.bind(values)
        defer { stmt.reset() }
        guard try stmt.step() else { return nil }
        return try map(stmt.row)
    }

    /// Rowid of the last inserted row. See <https://sqlite.org/c3ref/last_insert_rowid.html>.
    public var lastInsertRowID: Int64 { sqlite3_last_insert_rowid(handle) }

    /// Rows changed by the last statement.
    public var changes: Int { Int(sqlite3_changes(handle)) }

    /// Whether no transaction is open. See <https://sqlite.org/c3ref/get_autocommit.html>.
    public var isAutocommit: Bool { sqlite3_get_autocommit(handle) != 0 }

    // MARK: - WAL and copies

    /// How a checkpoint treats readers and writers. See <https://sqlite.org/c3ref/wal_checkpoint_v2.html>.
    public enum CheckpointMode: Sendable {
        /// Copy what it can without waiting for anyone.
        case passive
        /// Wait for writers, copy everything, then truncate the WAL file to zero bytes.
        case truncate
    }

    /// Copies committed WAL frames into the database file. Returns the WAL's size in frames and
    /// how many of them are now in the database file (both -1 when the file is not in WAL mode).
    /// See <https://sqlite.org/c3ref/wal_checkpoint_v2.html>.
    @discardableResult
    public func checkpoint(_ mode: CheckpointMode = .passive) throws -> (walFrames: Int, checkpointed: Int) {
        try checkOpen("checkpoint")
        var log: Int32 = 0
        var done: Int32 = 0
        let m = mode == .passive ? SQLITE_CHECKPOINT_PASSIVE : SQLITE_CHECKPOINT_TRUNCATE
        let rc = sqlite3_wal_checkpoint_v2(handle, nil, m, &log, &done)
        guard rc == SQLITE_OK else { throw error(rc, sql: "checkpoint") }
        return (Int(log), Int(done))
    }

    /// Writes a consistent, compacted copy of the database to `path` with `VACUUM INTO` (a read
    /// transaction: other connections and processes keep writing meanwhile). `path` must not
    /// exist. Must be called outside a transaction. See <https://sqlite.org/lang_vacuum.html#vacuuminto>.
    public func vacuum(into path: String) throws {
        try run("VACUUM INTO ?", [.text(path)])
    }

    // MARK: - Transactions

    /// How a top-level transaction starts.
    public enum TransactionKind: Sendable {
        /// `BEGIN DEFERRED`: for reads (a consistent snapshot).
        case deferred
        /// `BEGIN IMMEDIATE`: for writes, so the write lock is taken (or waited for) up front.
        case immediate
    }

    private var savepointDepth = 0

    /// Runs `body` in a transaction: commit on return, rollback on throw; inside an open
    /// transaction, a savepoint instead. The first error wins: a failed rollback never hides
    /// the error that caused it.
    @discardableResult
    public func transaction<T>(_ kind: TransactionKind = .immediate, _ body: (Connection) throws -> T) throws -> T {
        if !isAutocommit {
            savepointDepth += 1
            let name = "sp\(savepointDepth)"
            defer { savepointDepth -= 1 }
            try execute("SAVEPOINT \(name)")
            do {
                let result = try body(self)
                try execute("RELEASE \(name)")
                return result
            } catch {
                try? execute("ROLLBACK TO \(name)")
                try? execute("RELEASE \(name)")
                throw error
            }
        }
        try execute(kind == .immediate ? "BEGIN IMMEDIATE" : "BEGIN DEFERRED")
        let result: T
        do {
            result = try body(self)
        } catch {
            if !isAutocommit { try? execute("ROLLBACK") }
            throw error
        }
        do {
            try execute("COMMIT")
        } catch {
            if !isAutocommit { try? execute("ROLLBACK") }
            throw error
        }
        return result
    }
}
