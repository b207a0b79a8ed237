import SQLiteKit

// The backend seam (issue #18). Inside TrackerStore, `Connection` and `Database` name the
// seam's existentials, so every repository's `_ c: Connection` helper and `let db: Database`
// runs on SQLite or PostgreSQL unchanged. They shadow SQLiteKit's classes of the same names;
// code that needs SQLite itself (the metric-logging fast path, checkpoints, `VACUUM INTO`) says
// `SQLiteKit.Connection` / `SQLiteDatabase`.

/// A connection of either backend (SQLite's `SQLiteKit.Connection`, or TrackerPostgres's).
typealias Connection = any SQLConnection

/// A database of either backend (`SQLiteDatabase`, or TrackerPostgres's `PGDatabase`).
typealias Database = any SQLDatabase

extension SQLDialect {
    /// The SQL text for this dialect: `sqlite` where the two differ, else `postgres`.
    func pick(sqlite: String, postgres: String) -> String { self == .sqlite ? sqlite : postgres }
}
