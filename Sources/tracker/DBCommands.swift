import ArgumentParser
import Foundation
import TrackerCore
import TrackerReport
import TrackerStore

struct InitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Create the database (or bring it up to date) and print its path and schema version.",
        discussion: "Example: tracker init --db ./tracker.db")

    @OptionGroup var options: DBOptions

    func run() throws {
        let store = try options.open(.migrate)
        let status = try Migrator().status(store.db)
        print("database: \(absolutePath(store.path))")
        print(String(format: "schema:   %04d (up to date)", status.currentVersion))
    }
}

struct DBCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "db",
        abstract: "Inspect, migrate and back up the database.",
        subcommands: [DBStatus.self, DBMigrate.self, DBBackup.self, DBCopy.self])
}

struct DBStatus: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show applied and pending migrations, and the rows and bytes of the live tables.",
        discussion: """
            Live tables: raw predictions and outcomes, and the hourly rollups that keep
            the gap and reports working after 'tracker live prune'. Bytes come from
            SQLite's dbstat table (each table with its indexes; it reads every page,
            so it takes a moment on a large file).

            Example: tracker db status --json
            """)

    @OptionGroup var options: DBOptions
    @Flag(help: "Print JSON.") var json = false

    func run() throws {
        let store = try options.open(.inspect)
        let status = try Migrator().status(store.db)
        // The live tables exist from schema 0008 on (rollups); before, only the migrations show.
        let tables = status.currentVersion >= 8 ? try store.live.storage() : []
        let fileBytes = try store.live.fileBytes()
        let database = absolutePath(store.path)
        if json {
            print(Self.document(status, database: database, fileBytes: fileBytes, tables: tables).serialized(pretty: true))
        } else {
            Self.printText(status, database: database, fileBytes: fileBytes, tables: tables)
        }
    }

    /// The `--json` document.
    static func document(_ status: SchemaStatus, database: String, fileBytes: Int64, tables: [TableStorage]) -> JSON {
        let applied = JSON.array(
            status.applied.map { a in
                .object([
                    ("version", .int(Int64(a.version))), ("name", .string(a.name)), ("checksum", .string(a.checksum)),
                    ("applied_at", .int(a.appliedAt)),
                ])
            })
        let pending = JSON.array(status.pending.map { .object([("version", .int(Int64($0.version))), ("name", .string($0.name))]) })
        return JSON.object([
            ("database", .string(database)),
            ("schema_version", .int(Int64(status.currentVersion))),
            ("binary_schema_version", .int(Int64(status.targetVersion))),
            ("applied", applied), ("pending", pending),
            ("modified", .array(status.modified.map { .string($0.label) })),
            ("unknown", .array(status.unknown.map { .int(Int64($0.version)) })),
            ("file_bytes", .int(fileBytes)),
            (
                "tables",
                .array(
                    tables.map {
                        .object([("name", .string($0.table)), ("rows", .int(Int64($0.rows))), ("bytes", $0.bytes.map { .int($0) } ?? .null)])
                    })
            ),
        ])
    }

    /// The human listing: the migrations, then the file's size and the live tables.
    static func printText(_ status: SchemaStatus, database: String, fileBytes: Int64, tables: [TableStorage]) {
        print("database: \(database)")
        print(String(format: "schema:   %04d (this tracker knows %04d)", status.currentVersion, status.targetVersion))
        for a in status.applied {
            let mark = status.modified.contains { $0.version == a.version } ? "  MODIFIED since applied" : ""
            print(String(format: "  applied  %04d_%@  %@%@", a.version, a.name, formatTime(a.appliedAt), mark))
        }
        for p in status.pending { print("  pending  \(p.label)") }
        for u in status.unknown { print(String(format: "  unknown  %04d_%@  (written by a newer tracker)", u.version, u.name)) }
        if !status.pending.isEmpty && !status.applied.isEmpty { print("run 'tracker db migrate' to apply pending migrations") }
        let scope = Store.isPostgresURL(database) ? " (this schema's tables, with indexes)" : ""
        print("size:     \(fileBytes) bytes\(scope)")
        if !tables.isEmpty { print("live tables (rows, bytes with indexes):") }
        for t in tables {
            let bytes = t.bytes.map { String($0) } ?? "(no dbstat)"
            print("  " + t.table.padding(toLength: 22, withPad: " ", startingAt: 0) + pad(String(t.rows), 12) + pad(bytes, 14))
        }
    }
}

struct DBMigrate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Apply pending migrations (a non-empty database is backed up first).",
        discussion: "Example: tracker db migrate --db ./tracker.db")

    @OptionGroup var options: DBOptions

    func run() throws {
        // A missing file is created (as `init` would); an existing one is checked, backed up, migrated.
        let mode: Store.OpenMode = FileManager.default.fileExists(atPath: options.path) ? .inspect : .migrate
        let store = OpenStores.keep(try Store.open(path: options.path, mode: mode))
        let result = try Store.describeErrors(path: store.path) { try Migrator().migrate(store.db) }
        if let backup = result.backup { print("backup:  \(absolutePath(backup))") }
        if result.applied.isEmpty { print("nothing to migrate; schema is up to date") }
        for m in result.applied { print("applied \(m.label)") }
        // Rollups added to a database that has predictions are built now (resumable).
        if try store.live.rollupsPending() { try rebuildPendingRollups(store) }
    }
}

struct DBBackup: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup", abstract: "Write a consistent copy of the database to PATH (safe while 'tracker serve' writes).",
        discussion: """
            Uses SQLite's VACUUM INTO: the copy is one self-contained, compacted file
            holding every committed change, taken as a snapshot while other processes
            keep writing. Copying tracker.db with cp while a server runs can miss recent
            writes (they may still be in tracker.db-wal) or catch a half-written page;
            use this instead.
            Example:
              tracker db backup backups/tracker-2026-11-23.db
            """)

    @OptionGroup var options: DBOptions
    @Argument(help: "File to write (its folder must exist).") var path: String
    @Flag(help: "Overwrite PATH if it exists.") var force = false

    func run() throws {
        let store = OpenStores.keep(try Store.open(path: options.path, mode: .inspect))
        let size = try store.backup(to: path, force: force)
        print("backed up \(absolutePath(store.path)) to \(absolutePath(path)) (\(size) bytes)")
    }
}

/// `s` right-aligned in `width` columns.
func pad(_ s: String, _ width: Int) -> String { String(repeating: " ", count: max(1, width - s.count)) + s }

/// The absolute form of a path, for messages.
func absolutePath(_ path: String) -> String {
    if Store.isPostgresURL(path) { return path }
    return URL(fileURLWithPath: path).standardizedFileURL.path
}

struct DBCopy: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "copy", abstract: "Copy every table into a new, empty database (e.g. a SQLite file to PostgreSQL).",
        discussion: """
            Copies in batches with progress on stderr and checks the row count of every
            table at the end. The target must be new or freshly initialized: it is created
            and migrated when needed, and a target holding data is refused.
            Artifact files are not copied: point the new database's servers at the
            same artifacts folder (--artifacts).
            Example:
              tracker db copy --to postgres://tracker@db:5432/tracker
            """)

    @Option(help: ArgumentHelp("Database to copy (default: --db, $TRACKER_DB, else ./tracker.db).", valueName: "path"))
    var from: String?
    @Option(help: ArgumentHelp("Database to fill: a postgres:// URL or a SQLite file path.", valueName: "url"))
    var to: String
    @Option(help: "Rows per transaction.") var batch = 5000
    @OptionGroup var options: DBOptions

    func validate() throws {
        if batch < 1 { throw ValidationError("--batch must be at least 1") }
    }

    func run() throws {
        let source = OpenStores.keep(try Store.open(path: from ?? options.path, mode: .inspect))
        let target = OpenStores.keep(try Store.open(path: to, mode: .migrate))
        let copied = try Store.describeErrors(path: target.path) {
            try source.copy(to: target, batch: batch) { table, rows, total in
                printError("\(table): \(rows)/\(total) rows")
            }
        }
        let rows = copied.reduce(0) { $0 + $1.rows }
        print("copied \(rows) rows in \(copied.count) tables from \(absolutePath(source.path)) to \(absolutePath(target.path)); row counts verified")
    }
}
