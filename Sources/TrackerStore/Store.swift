import Foundation
import SQLiteKit
import Synchronization
import TrackerCore

/// The tracker's database: one SQLite file, opened, checked against the embedded migrations,
/// and handed to the repositories.
public final class Store: Sendable {
    /// The underlying database.
    public let db: Database
    /// The file path.
    public var path: String { db.path }

    /// Metric key → id, filled from committed rows only.
    let keyCache = Mutex<[String: Int64]>([:])

    init(db: Database) {
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

    /// Opens the database at `path`, mapping SQLite's refusals to messages that say what to do.
    public static func open(path: String, mode: OpenMode = .use, readers: Int = 0) throws -> Store {
        let exists = FileManager.default.fileExists(atPath: path)
        if mode == .inspect && !exists {
            throw TrackerError(.storage, "no database at \(path); create one with 'tracker init --db \(path)'")
        }
        let db: Database
        do {
            db = try Database(path: path, mode: mode == .inspect ? .readWrite : .readWriteCreate, readers: readers)
        } catch {
            throw Store.describe(error, path: path)
        }
        let store = Store(db: db)
        let migrator = Migrator()
        do {
            let status = try migrator.status(db)
            if mode == .inspect { return store }
            // A database without recorded migrations is either new or foreign; `migrate` tells them
            // apart inside its write transaction (a separate check here raced with a concurrent
            // first use that had just created the schema).
            try migrator.checkCompatible(status)
            if !status.pending.isEmpty {
                if mode == .migrate || status.applied.isEmpty {
                    try migrator.migrate(db)
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
        return store
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
            return TrackerError(.storage, "database \(path) stayed locked by another writer for 15 s; retry, or check for a stuck process")
        }
        if e.isIOError {
            return TrackerError(
                .storage, "I/O error on \(path) (\(e.message)); check the disk and its permissions; the last batch was not written")
        }
        return error
    }
}

extension Store {
    /// Runs `body`, turning SQLite errors into user-facing ones about `path`.
    public static func describeErrors<T>(path: String, _ body: () throws -> T) throws -> T {
        do { return try body() } catch { throw describe(error, path: path) }
    }
}
