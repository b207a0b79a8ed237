/// Which SQL dialect a connection speaks. Repositories write one SQL text that both accept; where
/// the two differ, they pick by dialect.
public enum SQLDialect: Sendable {
    case sqlite
    case postgres
}

/// The seam the store's repositories run on: SQLite's `Connection`, or the PostgreSQL backend's
/// (TrackerPostgres). SQL takes `?` placeholders, values are `SQLiteValue`s, rows decode through
/// `Row`, and failures are `SQLiteError`s (the PostgreSQL backend maps its SQLSTATEs onto
/// SQLite's constraint codes), so one repository text serves both.
///
/// Not `Sendable`, like `Connection`: reached only inside a `SQLDatabase`'s `read`/`write`.
public protocol SQLConnection: AnyObject {
    /// The dialect this connection speaks.
    var dialect: SQLDialect { get }
    /// Runs one or more statements with no parameters and no results (schema changes).
    func execute(_ sql: String) throws
    /// Runs a statement with parameters; returns the number of rows changed.
    @discardableResult
    func run(_ sql: String, _ values: [SQLiteValue]) throws -> Int
    /// Runs a query and maps every row. `cache: false` for one-off SQL (dynamic filters).
    func query<T>(_ sql: String, _ values: [SQLiteValue], cache: Bool, _ map: (Row) throws -> T) throws -> [T]
    /// Runs a query and maps its first row, if any.
    func queryOne<T>(_ sql: String, _ values: [SQLiteValue], _ map: (Row) throws -> T) throws -> T?
    /// Runs an INSERT into a table with an integer `id` key and returns the new row's id
    /// (SQLite's rowid; `RETURNING id` on PostgreSQL).
    func insert(_ sql: String, _ values: [SQLiteValue]) throws -> Int64
    /// The connection's reusable statement for `sql` (hot loops: bind, run or step, repeat).
    func statement(_ sql: String) throws -> any SQLStatement
    /// Rows changed by the last statement.
    var changes: Int { get }
}

/// A statement run many times with new values: SQLite's cached `Statement`, or a PostgreSQL
/// statement that sends its bound values on `run`/`step`. Bindings are 1-based.
public protocol SQLStatement: AnyObject {
    /// Resets and binds every parameter, in order.
    func bind(_ values: [SQLiteValue]) throws
    /// Binds an integer.
    func bind(int value: Int64, at index: Int32)
    /// Binds a double (NaN binds NULL).
    func bind(double value: Double, at index: Int32)
    /// Binds NULL.
    func bindNull(at index: Int32)
    /// Steps once: `true` when a row is available (read it with `row`).
    @discardableResult
    func step() throws -> Bool
    /// Runs to completion, then resets.
    func run() throws
    /// Resets so the statement can run again (bindings are kept).
    func reset()
    /// The current row; valid until the next `step()` or `reset()`.
    var row: Row { get }
}

extension Statement: SQLStatement {}

extension SQLConnection {
    /// Runs a statement without parameters; returns the number of rows changed.
    @discardableResult
    public func run(_ sql: String) throws -> Int { try run(sql, []) }

    /// Runs a query (cached statement) and maps every row.
    public func query<T>(_ sql: String, _ values: [SQLiteValue] = [], _ map: (Row) throws -> T) throws -> [T] {
        try query(sql, values, cache: true, map)
    }

    /// Runs a query without parameters and maps its first row, if any.
    public func queryOne<T>(_ sql: String, _ map: (Row) throws -> T) throws -> T? {
        try queryOne(sql, [], map)
    }
}

extension Connection: SQLConnection {
    /// SQLite.
    public var dialect: SQLDialect { .sqlite }

    public func insert(_ sql: String, _ values: [SQLiteValue]) throws -> Int64 {
        try run(sql, values)
        return lastInsertRowID
    }

    public func statement(_ sql: String) throws -> any SQLStatement { try cached(sql) }
}

/// A database the store opens: transactions on connections of one dialect. SQLite's is
/// `SQLiteDatabase` below; PostgreSQL's lives in TrackerPostgres.
public protocol SQLDatabase: Sendable {
    /// The dialect its connections speak.
    var dialect: SQLDialect { get }
    /// Where the data lives, for messages: a file path, or a URL without its password.
    var path: String { get }
    /// Runs `body` in a read transaction (a consistent snapshot).
    @discardableResult
    func read<T: Sendable>(_ body: (any SQLConnection) throws -> T) throws -> T
    /// Runs `body` in a write transaction: commit on return, rollback on throw. Writers are
    /// serialized, as SQLite's `BEGIN IMMEDIATE` does.
    @discardableResult
    func write<T: Sendable>(_ body: (any SQLConnection) throws -> T) throws -> T
    /// Runs `body` on a connection outside any transaction.
    func withConnection<T: Sendable>(_ body: (any SQLConnection) throws -> T) throws -> T
    /// Closes every connection. Idempotent.
    func close()
}

/// `Database` (one SQLite file) as a `SQLDatabase`: each call forwards to it, handing the body
/// the SQLite connection as the seam's existential.
public final class SQLiteDatabase: SQLDatabase {
    /// The SQLite database underneath, for what only SQLite has (checkpoints, `VACUUM INTO`).
    public let database: Database

    /// Wraps an open database.
    public init(_ database: Database) { self.database = database }

    public var dialect: SQLDialect { .sqlite }
    public var path: String { database.path }

    @discardableResult
    public func read<T: Sendable>(_ body: (any SQLConnection) throws -> T) throws -> T {
        try database.read { (c: Connection) in try body(c) }
    }

    @discardableResult
    public func write<T: Sendable>(_ body: (any SQLConnection) throws -> T) throws -> T {
        try database.write { (c: Connection) in try body(c) }
    }

    @discardableResult
    public func withConnection<T: Sendable>(_ body: (any SQLConnection) throws -> T) throws -> T {
        try database.withConnection { (c: Connection) in try body(c) }
    }

    public func close() { database.close() }
}
