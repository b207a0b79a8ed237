import Foundation
import SQLiteKit
import Synchronization
import TrackerCore
import TrackerPostgres

/// The tracker's database: one SQLite file (or, given a postgres:// URL, a PostgreSQL
/// database), opened, checked against the embedded migrations, and handed to the repositories.
public final class Store: Sendable {
    /// The underlying database, of either backend.
    public let db: any SQLDatabase
    /// The file path (or the PostgreSQL URL without its password).
    public var path: String { db.path }
    /// The SQLite database underneath, when the store is on SQLite.
    public var sqlite: SQLiteKit.Database? { (db as? SQLiteDatabase)?.database }

    /// Metric key → id, filled from committed rows only.
    let keyCache = Mutex<[String: Int64]>([:])

    init(db: any SQLDatabase) {
        self.db = db
    }

    /// How `open` treats the schema.
    public enum OpenMode: Sendable {
        /// Create a missing file and migrate a fresh one; refuse a database with pending migrations.
        case use
        /// Create or migrate as needed (`tracker init`, `tracker db migrate`).
        case migrate
        /// Open without touching the schema (`tracker db status`).
        case inspect
    }

    /// Whether `path` names a PostgreSQL database (postgres:// or postgresql://) rather than a file.
    public static func isPostgresURL(_ path: String) -> Bool {
        path.hasPrefix("postgres://") || path.hasPrefix("postgresql://")
    }

    /// Opens the database at `path` (a SQLite file, or a postgres:// URL), mapping refusals to
    /// messages that say what to do. `pgConnections` is how many PostgreSQL connections stay
    /// pooled (default: one per reader plus the writer, at least 4).
    public static func open(path: String, mode: OpenMode = .use, readers: Int = 0, pgConnections: Int? = nil) throws -> Store {
        let db = try openBackend(path: path, mode: mode, readers: readers, pgConnections: pgConnections)
        let store = Store(db: db)
        try prepareSchema(store, path: path, mode: mode)
        return store
    }

    /// The SQLite file or PostgreSQL database at `path`, opened but not yet checked.
    static func openBackend(path: String, mode: OpenMode, readers: Int, pgConnections: Int? = nil) throws -> Database {
        if isPostgresURL(path) {
            do {
                // `.inspect` (db status, db backup, db copy's source) creates nothing, as on SQLite.
                return try PGDatabase(url: path, maxIdle: pgConnections ?? max(4, readers + 1), createSchema: mode != .inspect)
            } catch let e as PGError {
                throw TrackerError(.storage, e.description)
            }
        } else {
            let exists = FileManager.default.fileExists(atPath: path)
            if mode == .inspect && !exists {
                throw TrackerError(.storage, "no tracker database at \(path); create one with 'tracker init --db \(path)'")
            }
            do {
                return SQLiteDatabase(
                    try SQLiteKit.Database(path: path, mode: mode == .inspect ? .readWrite : .readWriteCreate, readers: readers))
            } catch {
                throw Store.describe(error, path: path)
            }
        }
    }

    /// Checks the schema against the embedded migrations: migrates a new database (or any, in
    /// `.migrate`, then building pending live rollups), refuses one with pending migrations
    /// otherwise; `.inspect` leaves it alone.
    static func prepareSchema(_ store: Store, path: String, mode: OpenMode) throws {
        let db = store.db
        let migrator = Migrator()
        do {
            let status = try migrator.status(db)
            if mode == .inspect { return }
            if mode == .use { try CopyProgressTable.refuseUnfinishedCopy(db, path: path) }
            // A database without recorded migrations is either new or foreign; `migrate` tells them
            // apart inside its write transaction (a separate check here raced with a concurrent
            // first use that had just created the schema).
            try migrator.checkCompatible(status)
            if !status.pending.isEmpty {
                if mode == .migrate || status.applied.isEmpty {
                    try migrator.migrate(db)
                    // Rollups added to a database with predictions are built now (resumable).
                    if try store.live.rollupsPending() { try store.live.rebuildRollups() }
                } else {
                    throw TrackerError(
                        .storage,
                        String(
                            format:
                                "database schema %04d is older than this tracker (%04d); run 'tracker db migrate' (it backs the file up first)",
                            status.currentVersion, status.targetVersion))
                }
            }
        } catch {
            throw Store.describe(error, path: path)
        }
    }

    /// Turns a SQLite error into a user-facing one; passes other errors through.
    public static func describe(_ error: Error, path: String) -> Error {
        guard let e = error as? SQLiteError else { return error }
        if e.isNotADatabase {
            return TrackerError(
                .storage, "\(path) is not a SQLite database (\(e.message)); nothing was changed. Pass --db with another path")
        }
        if e.isCantOpen {
            return TrackerError(
                .storage, "cannot open database \(path): \(e.message); check that its folder exists and is writable, or pass --db")
        }
        if e.isReadOnly {
            return TrackerError(
                .storage, "database \(path) is read-only (\(e.message)); check the file's permissions or pass --db with a writable path")
        }
        if e.isDiskFull {
            return TrackerError(.storage, "the disk holding \(path) is full; nothing from this batch was written. Free space and retry")
        }
        if e.isBusy {
            return TrackerError(.busy, "database \(path) stayed locked by another writer for 15 s; retry, or check for a stuck process")
        }
        if e.isIOError {
            return TrackerError(
                .storage, "I/O error on \(path) (\(e.message)); check the disk and its permissions; the last batch was not written")
        }
        return error
    }
}

// MARK: - Reachability

extension Store {
    /// A cheap query that succeeds only when the database answers (`SELECT 1`).
    public func ping() throws {
        _ = try db.read { try $0.queryOne("SELECT 1") { $0.int(0) } }
    }

    /// Whether `error` says the database server could not be reached (PostgreSQL down or cut
    /// off), a condition worth retrying, as opposed to a fault in the request or the data.
    public static func isUnreachable(_ error: Error) -> Bool {
        if let e = error as? PGError {
            if case .badURL = e { return false }
            if case .noSchema = e { return false }
            return true
        }
        // A PostgreSQL connection that died mid-query (SQLITE_CANTOPEN's code, set by the backend).
        if let e = error as? SQLiteError, e.engine == "PostgreSQL", e.extendedCode == 14 { return true }
        return false
    }
}

// MARK: - Closing, checkpoints, backups

extension Store {
    /// Closes the database's connections; SQLite then checkpoints the WAL into the file, so the
    /// `.db` file alone holds the data. The store is unusable afterwards. Idempotent.
    public func close() { db.close() }

    /// Copies committed WAL content into the database file without waiting for anyone
    /// (`PRAGMA wal_checkpoint(PASSIVE)`); the server runs it periodically.
    public func checkpoint() throws { try sqlite?.checkpoint(.passive) }

    /// Writes a consistent copy of the database to `target` with `VACUUM INTO` — safe while
    /// other processes (e.g. `tracker serve`) write. The copy is written beside `target` and
    /// renamed into place, so a failed backup leaves no partial file. An existing `target` is
    /// refused unless `force`. Returns the copy's size in bytes.
    public func backup(to target: String, force: Bool) throws -> Int64 {
        guard let sqlite else {
            throw TrackerError.invalid("'tracker db backup' copies SQLite files; back up PostgreSQL with pg_dump")
        }
        let fm = FileManager.default
        let absolute = URL(fileURLWithPath: target).standardizedFileURL.path
        if absolute == URL(fileURLWithPath: path).standardizedFileURL.path {
            throw TrackerError.invalid("the backup path \(target) is the database itself; give another path")
        }
        var isDir: ObjCBool = false
        if fm.fileExists(atPath: target, isDirectory: &isDir) {
            if isDir.boolValue { throw TrackerError.invalid("\(target) is a folder; give a file path for the backup") }
            if !force { throw TrackerError(.alreadyExists, "\(target) already exists; pass --force to overwrite it, or give another path") }
        }
        let temporary = absolute + ".tmp-\(getpid())"
        try? fm.removeItem(atPath: temporary)
        do {
            try sqlite.withConnection { try $0.vacuum(into: temporary) }
        } catch {
            try? fm.removeItem(atPath: temporary)
            if let e = error as? SQLiteError, e.isCantOpen {
                throw TrackerError(.storage, "cannot write the backup \(target): \(e.message); check that its folder exists and is writable")
            }
            throw Store.describe(error, path: path)
        }
        guard rename(temporary, absolute) == 0 else {
            let reason = String(cString: strerror(errno))
            try? fm.removeItem(atPath: temporary)
            throw TrackerError(.storage, "cannot move the backup into place at \(target): \(reason)")
        }
        let size = (try? fm.attributesOfItem(atPath: absolute)[.size] as? NSNumber)?.int64Value
        return size ?? 0
    }
}

extension Store {
    /// Runs `body`, turning SQLite errors into user-facing ones about `path`.
    public static func describeErrors<T>(path: String, _ body: () throws -> T) throws -> T {
        do { return try body() } catch { throw describe(error, path: path) }
    }
}
