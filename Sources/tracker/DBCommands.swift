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
        commandName: "copy", abstract: "Copy every table into a new, empty database (SQLite to PostgreSQL, or back).",
        discussion: """
            Copies each table in primary-key order, in batches of --batch rows, one
            transaction each, from one snapshot of the source; progress on stderr (a line
            per table, and about one a second for a large one). PostgreSQL targets are
            loaded with COPY. The target must be new or freshly initialized: it is created
            and migrated when needed, and a target holding data is refused.

            An interrupted copy (Ctrl-C, a crash, a lost connection) records in the target
            how far it got; run the same command with --resume to continue after the last
            committed batch. A resume is refused when the source changed since (row counts
            differ) or the target holds a copy of another database.

            At the end both databases are compared table by table: row counts and a
            checksum of every row (SHA-256 per row, summed, so it does not depend on the
            order either database sorts in). A difference names the table and exits 1.
            --verify-only runs that comparison alone, e.g. on a copy made earlier.

            Artifact files are not copied: point the new database's servers at the same
            artifacts folder (--artifacts).
            Examples:
              tracker db copy --from tracker.db --to postgres://tracker@db:5432/tracker
              tracker db copy --from tracker.db --to postgres://tracker@db/tracker --resume
              tracker db copy --from postgres://tracker@db:5432/tracker --to laptop.db
            """)

    @Option(help: ArgumentHelp("Database to copy (default: --db, $TRACKER_DB, else ./tracker.db).", valueName: "path"))
    var from: String?
    @Option(help: ArgumentHelp("Database to fill: a postgres:// URL or a SQLite file path.", valueName: "url"))
    var to: String
    @Option(help: "Rows per transaction.") var batch = 10_000
    @Flag(help: "Continue an interrupted copy into --to after its last committed batch.") var resume = false
    @Flag(help: "Copy nothing: compare the row counts and checksums of --from and --to.") var verifyOnly = false
    @OptionGroup var options: DBOptions

    /// Test hook: the process kills itself (SIGKILL) after this many committed batches, as a
    /// crash mid-copy would (Tests/TrackerStoreTests/CopyTests.swift).
    static let killAfterBatches = ProcessInfo.processInfo.environment["TRACKER_TEST_COPY_KILL_AFTER_BATCHES"].flatMap { Int($0) }

    var source: String { from ?? options.path }

    func validate() throws {
        if batch < 1 { throw ValidationError("--batch must be at least 1") }
        if resume && verifyOnly { throw ValidationError("--resume and --verify-only do not go together: --verify-only copies nothing") }
        if Store.copyIdentity(source) == Store.copyIdentity(to) {
            throw ValidationError("--to names the source database itself (\(to)); give another database to copy into")
        }
    }

    func run() throws {
        let source = OpenStores.keep(try Store.open(path: self.source, mode: .inspect))
        let target = OpenStores.keep(try Store.open(path: to, mode: verifyOnly ? .inspect : .migrate))
        let from = absolutePath(source.path)
        let into = absolutePath(target.path)
        if verifyOnly {
            let verification = try Store.describeErrors(path: target.path) { try source.verify(against: target) }
            try verification.requireIdentical(source: from, target: into)
            print("verified: \(verification.tables.count) tables, \(verification.rows) rows, checksums match")
            return
        }
        var printer = CopyProgressPrinter()
        let summary = try Store.describeErrors(path: target.path) {
            try source.copy(to: target, batch: batch, resume: resume) { event in
                printer.show(event)
                if case .batch = event, let limit = Self.killAfterBatches, printer.batches >= limit { kill(getpid(), SIGKILL) }
            }
        }
        let rate = summary.seconds > 0 ? Int((Double(summary.copiedNow) / summary.seconds).rounded()) : 0
        let resumed = summary.resumed ? " (resumed: \(summary.rows - summary.copiedNow) copied before)" : ""
        print(
            "copied \(summary.rows) rows in \(summary.tables) tables from \(from) to \(into)\(resumed); "
                + String(format: "%.1f s, %d rows/s", summary.seconds, rate))
        print("verified: \(summary.tables) tables, \(summary.rows) rows, checksums match")
    }
}

/// Prints a copy's progress on stderr: one line per table, and for a large table a line about
/// once a second while it runs.
struct CopyProgressPrinter {
    private var lastLine = ContinuousClock.now
    /// Batches committed so far.
    private(set) var batches = 0

    mutating func show(_ event: CopyEvent) {
        switch event {
        case .table(let name, let rows, let resumedAfter):
            if resumedAfter > 0 { printError("\(name): resuming after \(resumedAfter) of \(rows) rows") }
            lastLine = .now
        case .batch(let name, let copied, let rows):
            batches += 1
            guard ContinuousClock.now - lastLine >= .seconds(1) else { return }
            lastLine = .now
            let percent = rows > 0 ? min(100, copied * 100 / rows) : 100
            printError("\(name): \(copied)/\(rows) rows (\(percent)%)")
        case .tableDone(let name, let rows, let copiedNow, let seconds):
            if copiedNow == 0 && rows > 0 {
                printError("\(name): \(rows) rows (copied before)")
            } else if seconds >= 1 {
                printError("\(name): \(rows) rows" + String(format: " in %.1f s (%.0f rows/s)", seconds, Double(copiedNow) / seconds))
            } else {
                printError("\(name): \(rows) rows")
            }
        case .verifying:
            printError("verifying: row counts and checksums of every table on both sides")
        }
    }
}
