import Foundation
import SQLiteKit
import TrackerCore

/// One numbered schema change, embedded in the binary from `migrations/NNNN_name.sql`.
public struct Migration: Sendable, Equatable {
    public let version: Int
    public let name: String
    public let sql: String
    /// SHA-256 of the SQL text: an applied migration whose file changed is reported.
    public var checksum: String { SHA256.hex(Array(sql.utf8)) }

    public init(version: Int, name: String, sql: String) {
        self.version = version
        self.name = name
        self.sql = sql
    }

    /// `0001_initial`
    public var label: String { String(format: "%04d_%@", version, name) }

    /// The migrations this binary carries, in order.
    public static let embedded: [Migration] = EmbeddedMigrations.all.map {
        Migration(version: $0.version, name: $0.name, sql: $0.sql)
    }
}

/// A migration recorded as applied in the database.
public struct AppliedMigration: Sendable, Equatable {
    public let version: Int
    public let name: String
    public let checksum: String
    public let appliedAt: Int64
}

/// Where a database stands against the migrations this binary carries.
public struct SchemaStatus: Sendable {
    public let applied: [AppliedMigration]
    public let pending: [Migration]
    /// Applied migrations whose embedded SQL no longer matches the recorded checksum.
    public let modified: [Migration]
    /// Versions recorded in the database that this binary does not know (a newer tracker wrote them).
    public let unknown: [AppliedMigration]

    /// The highest applied version, 0 for an empty database.
    public var currentVersion: Int { applied.map(\.version).max() ?? 0 }
    /// The highest version this binary knows.
    public var targetVersion: Int { Migration.embedded.map(\.version).max() ?? 0 }
}

/// Applies embedded migrations in order, each in its own transaction, recording a checksum.
public struct Migrator: Sendable {
    public let migrations: [Migration]

    public init(migrations: [Migration] = Migration.embedded) {
        self.migrations = migrations.sorted { $0.version < $1.version }
    }

    static let createTable = """
        CREATE TABLE IF NOT EXISTS schema_migrations (
            version    INTEGER PRIMARY KEY,
            name       TEXT    NOT NULL,
            checksum   TEXT    NOT NULL,
            applied_at INTEGER NOT NULL
        ) STRICT
        """

    /// Reads the applied migrations (none when the table does not exist yet).
    func applied(_ conn: Connection) throws -> [AppliedMigration] {
        let exists =
            try conn.queryOne(
                "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = 'schema_migrations'"
            ) { $0.int(0) } ?? 0
        guard exists > 0 else { return [] }
        return try conn.query(
            "SELECT version, name, checksum, applied_at FROM schema_migrations ORDER BY version"
        ) { AppliedMigration(version: $0.int(0), name: $0.string(1), checksum: $0.string(2), appliedAt: $0.int64(3)) }
    }

    /// Compares the database with the embedded migrations.
    public func status(_ db: Database) throws -> SchemaStatus {
        let applied = try db.read { try self.applied($0) }
        return status(applied: applied)
    }

    func status(applied: [AppliedMigration]) -> SchemaStatus {
        let byVersion = Dictionary(uniqueKeysWithValues: applied.map { ($0.version, $0) })
        let known = Set(migrations.map(\.version))
        return SchemaStatus(
            applied: applied,
            pending: migrations.filter { byVersion[$0.version] == nil },
            modified: migrations.filter { m in byVersion[m.version].map { $0.checksum != m.checksum } ?? false },
            unknown: applied.filter { !known.contains($0.version) }
        )
    }

    /// Throws when the database cannot be used by this binary: written by a newer tracker, or
    /// an applied migration was edited.
    public func checkCompatible(_ status: SchemaStatus) throws {
        if let newest = status.unknown.map(\.version).max() {
            throw TrackerError(
                .storage,
                String(
                    format: "database schema %04d is newer than this tracker (%04d); upgrade tracker to use this database",
                    newest, status.targetVersion))
        }
        if let m = status.modified.first {
            throw TrackerError(
                .storage,
                "migration \(m.label) was changed after it was applied to this database (checksum differs); restore the original migration or the database backup"
            )
        }
    }

    /// Whether the database holds any table (so a backup is worth making).
    func isEmpty(_ db: Database) throws -> Bool {
        let n = try db.read { try $0.queryOne("SELECT count(*) FROM sqlite_schema WHERE type = 'table'") { $0.int(0) } ?? 0 }
        return n == 0
    }

    /// Applies pending migrations. A non-empty database is first copied to
    /// `PATH.backup-YYYYMMDDTHHMMSSZ` with `VACUUM INTO`. Returns the applied migrations and the
    /// backup path, if one was written.
    @discardableResult
    public func migrate(_ db: Database, now: Date = Date()) throws -> (applied: [Migration], backup: String?) {
        let before = try status(db)
        try checkCompatible(before)
        guard !before.pending.isEmpty else { return ([], nil) }
        if before.applied.isEmpty {
            // A new database gets every migration in one transaction, so a process opening it
            // at the same moment sees either nothing or the whole schema — never half of it.
            // (Found by the concurrency soak: two first uses raced, one saw schema 0001 only.)
            let applied = try db.write { conn -> [Migration] in
                try conn.execute(Migrator.createTable)
                let count = try conn.queryOne("SELECT count(*) FROM schema_migrations") { $0.int(0) } ?? 0
                if count > 0 { return [] }
                let others = try conn.queryOne("SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name != 'schema_migrations'") { $0.int(0) } ?? 0
                if others > 0 {
                    throw TrackerError(.storage, "\(db.path) is a SQLite database but not a tracker database; nothing was changed. Pass --db with another path")
                }
                for m in migrations {
                    try conn.execute(m.sql)
                    try conn.run(
                        "INSERT INTO schema_migrations (version, name, checksum, applied_at) VALUES (?, ?, ?, ?)",
                        [.integer(Int64(m.version)), .text(m.name), .text(m.checksum), .integer(Int64(now.timeIntervalSince1970 * 1000))])
                }
                return migrations
            }
            return (applied, nil)
        }
        var backup: String?
        if try !isEmpty(db) {
            let fmt = DateFormatter()
            fmt.locale = Locale(identifier: "en_US_POSIX")
            fmt.timeZone = TimeZone(identifier: "UTC")
            fmt.dateFormat = "yyyyMMdd'T'HHmmss'Z'"
            var path = db.path + ".backup-" + fmt.string(from: now)
            var n = 1
            while FileManager.default.fileExists(atPath: path) {
                n += 1
                path = db.path + ".backup-" + fmt.string(from: now) + "-\(n)"
            }
            let target = path
            try db.withConnection { try $0.run("VACUUM INTO ?", [.text(target)]) }
            backup = path
        }
        var done: [Migration] = []
        for m in migrations {
            // Check again inside the write lock: another process may have applied it meanwhile.
            let applied = try db.write { conn -> Bool in
                try conn.execute(Migrator.createTable)
                let exists =
                    try conn.queryOne("SELECT 1 FROM schema_migrations WHERE version = ?", [.integer(Int64(m.version))]) { _ in true }
                    ?? false
                if exists { return false }
                try conn.execute(m.sql)
                try conn.run(
                    "INSERT INTO schema_migrations (version, name, checksum, applied_at) VALUES (?, ?, ?, ?)",
                    [.integer(Int64(m.version)), .text(m.name), .text(m.checksum), .integer(Int64(now.timeIntervalSince1970 * 1000))])
                return true
            }
            if applied { done.append(m) }
        }
        return (done, backup)
    }
}
