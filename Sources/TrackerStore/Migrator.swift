import Foundation
import SQLiteKit
import TrackerCore
import TrackerPostgres

/// One numbered schema change, embedded in the binary from `migrations/NNNN_name.sql`.
public struct Migration: Sendable, Equatable {
    public let version: Int
    public let name: String
    public let sql: String
    /// The PostgreSQL variant (`NNNN_name.postgres.sql`), where the dialects differ.
    public let postgresSQL: String?
    /// SHA-256 of the SQL text: an applied migration whose file changed is reported.
    public var checksum: String { SHA256.hex(Array(sql.utf8)) }

    public init(version: Int, name: String, sql: String, postgresSQL: String? = nil) {
        self.version = version
        self.name = name
        self.sql = sql
        self.postgresSQL = postgresSQL
    }

    /// The SQL a database of `dialect` runs: the PostgreSQL variant when there is one.
    public func sql(for dialect: SQLDialect) -> String { dialect == .postgres ? postgresSQL ?? sql : sql }

    /// SHA-256 of the SQL `dialect` runs, recorded when applied there.
    public func checksum(for dialect: SQLDialect) -> String { SHA256.hex(Array(sql(for: dialect).utf8)) }

    /// `0001_initial`
    public var label: String { String(format: "%04d_%@", version, name) }

    /// The migrations this binary carries, in order.
    public static let embedded: [Migration] = EmbeddedMigrations.all.map {
        Migration(version: $0.version, name: $0.name, sql: $0.sql, postgresSQL: $0.postgres)
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
    static let createTablePostgres = """
        CREATE TABLE IF NOT EXISTS schema_migrations (
            version    BIGINT PRIMARY KEY,
            name       TEXT   NOT NULL,
            checksum   TEXT   NOT NULL,
            applied_at BIGINT NOT NULL
        )
        """

    /// How many tables the database holds, or only `name` when given.
    static func tableCount(_ conn: Connection, named name: String? = nil, excluding: String? = nil) throws -> Int {
        let sql = conn.dialect.pick(
            sqlite: "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND (? IS NULL OR name = ?) AND (? IS NULL OR name != ?)",
            postgres:
                "SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema() AND (CAST(? AS TEXT) IS NULL OR table_name = ?) AND (CAST(? AS TEXT) IS NULL OR table_name != ?)"
        )
        let n: SQLiteValue = name.map { .text($0) } ?? .null
        let x: SQLiteValue = excluding.map { .text($0) } ?? .null
        return try conn.queryOne(sql, [n, n, x, x]) { $0.int(0) } ?? 0
    }

    /// Reads the applied migrations (none when the table does not exist yet).
    func applied(_ conn: Connection) throws -> [AppliedMigration] {
        guard try Migrator.tableCount(conn, named: "schema_migrations") > 0 else { return [] }
        return try conn.query(
            "SELECT version, name, checksum, applied_at FROM schema_migrations ORDER BY version"
        ) { AppliedMigration(version: $0.int(0), name: $0.string(1), checksum: $0.string(2), appliedAt: $0.int64(3)) }
    }

    /// Compares the database with the embedded migrations.
    public func status(_ db: any SQLDatabase) throws -> SchemaStatus {
        let applied = try db.read { try self.applied($0) }
        return status(applied: applied, dialect: db.dialect)
    }

    func status(applied: [AppliedMigration], dialect: SQLDialect = .sqlite) -> SchemaStatus {
        let byVersion = Dictionary(uniqueKeysWithValues: applied.map { ($0.version, $0) })
        let known = Set(migrations.map(\.version))
        return SchemaStatus(
            applied: applied,
            pending: migrations.filter { byVersion[$0.version] == nil },
            modified: migrations.filter { m in byVersion[m.version].map { $0.checksum != m.checksum(for: dialect) } ?? false },
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
        try db.read { try Migrator.tableCount($0) } == 0
    }

    /// A write transaction that, on PostgreSQL, also takes the migration's advisory lock, so
    /// servers starting together migrate once (SQLite's write lock already serializes them).
    private func migrationWrite<T: Sendable>(_ db: Database, _ body: (Connection) throws -> T) throws -> T {
        if let pg = db as? PGDatabase { return try pg.write(locking: PGDatabase.migrationLockKey, body) }
        return try db.write(body)
    }

    private func record(_ conn: Connection, _ m: Migration, now: Date) throws {
        try conn.run(
            "INSERT INTO schema_migrations (version, name, checksum, applied_at) VALUES (?, ?, ?, ?)",
            [
                .integer(Int64(m.version)), .text(m.name), .text(m.checksum(for: conn.dialect)),
                .integer(Int64(now.timeIntervalSince1970 * 1000)),
            ])
    }

    /// Applies pending migrations. A non-empty SQLite database is first copied to
    /// `PATH.backup-YYYYMMDDTHHMMSSZ` with `VACUUM INTO` (PostgreSQL: back up with pg_dump).
    /// Returns the applied migrations and the backup path, if one was written.
    @discardableResult
    public func migrate(_ db: any SQLDatabase, now: Date = Date()) throws -> (applied: [Migration], backup: String?) {
        let before = try status(db)
        try checkCompatible(before)
        guard !before.pending.isEmpty else { return ([], nil) }
        if before.applied.isEmpty { return (try migrateNew(db, now: now), nil) }
        let backup = try backUpBeforeMigrating(db, now: now)
        var done: [Migration] = []
        for m in migrations {
            // Check again inside the write lock: another process may have applied it meanwhile.
            let applied = try migrationWrite(db) { conn -> Bool in
                try conn.execute(conn.dialect.pick(sqlite: Migrator.createTable, postgres: Migrator.createTablePostgres))
                let exists =
                    try conn.queryOne("SELECT 1 FROM schema_migrations WHERE version = ?", [.integer(Int64(m.version))]) { _ in true }
                    ?? false
                if exists { return false }
                try conn.execute(m.sql(for: conn.dialect))
                try record(conn, m, now: now)
                return true
            }
            if applied { done.append(m) }
        }
        return (done, backup)
    }

    /// A new database gets every migration in one transaction, so a process opening it at the
    /// same moment sees either nothing or the whole schema — never half of it. (Found by the
    /// concurrency soak: two first uses raced, one saw schema 0001 only.) A database with other
    /// tables is refused.
    func migrateNew(_ db: any SQLDatabase, now: Date) throws -> [Migration] {
        try migrationWrite(db) { conn -> [Migration] in
            try conn.execute(conn.dialect.pick(sqlite: Migrator.createTable, postgres: Migrator.createTablePostgres))
            let count = try conn.queryOne("SELECT count(*) FROM schema_migrations") { $0.int(0) } ?? 0
            if count > 0 { return [] }
            if try Migrator.tableCount(conn, excluding: "schema_migrations") > 0 {
                let kind = conn.dialect.pick(sqlite: "a SQLite database", postgres: "a PostgreSQL database (schema) with tables")
                throw TrackerError(.storage, "\(db.path) is \(kind) but not a tracker database; nothing was changed. Pass --db with another path")
            }
            for m in migrations {
                try conn.execute(m.sql(for: conn.dialect))
                try record(conn, m, now: now)
            }
            return migrations
        }
    }

    /// Copies a non-empty SQLite database to `PATH.backup-YYYYMMDDTHHMMSSZ[-N]` with `VACUUM INTO`;
    /// returns the copy's path (nil: empty, or PostgreSQL).
    func backUpBeforeMigrating(_ db: any SQLDatabase, now: Date) throws -> String? {
        guard let sqlite = (db as? SQLiteDatabase)?.database, try !isEmpty(db) else { return nil }
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
        try sqlite.withConnection { try $0.run("VACUUM INTO ?", [.text(target)]) }
        return path
    }
}
