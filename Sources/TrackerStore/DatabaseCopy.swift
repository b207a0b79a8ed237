import Foundation
import SQLiteKit
import TrackerCore
import TrackerPostgres

/// `tracker db copy` (issue #18): every table of one database into an empty one of either
/// backend, in primary-key order and in batches, each batch committed with the copy's progress
/// so an interrupted copy resumes after its last batch; verified at the end by row counts and
/// per-table checksums (`DatabaseCopy+Verify.swift`). PostgreSQL targets are loaded with
/// `COPY … FROM STDIN`, SQLite targets with multi-row INSERTs.

/// What a copy reports as it goes (the CLI prints it on stderr).
public enum CopyEvent: Sendable {
    /// A table starts: `rows` in the source, `resumedAfter` of them copied by an interrupted copy.
    case table(name: String, rows: Int, resumedAfter: Int)
    /// A batch of the table was committed: `copied` of `rows` are in the target now.
    case batch(name: String, copied: Int, rows: Int)
    /// The table is complete: `copiedNow` of its `rows` were copied by this run, in `seconds`.
    case tableDone(name: String, rows: Int, copiedNow: Int, seconds: Double)
    /// Every table is copied; the checksums of both databases are being computed.
    case verifying
}

/// What a finished copy did.
public struct CopySummary: Sendable {
    /// Tables and rows now in the target (all of the source's).
    public let tables: Int
    public let rows: Int
    /// Rows this run copied (fewer than `rows` when it resumed an interrupted copy).
    public let copiedNow: Int
    /// Whether it continued an interrupted copy.
    public let resumed: Bool
    /// Time spent copying (without the verification).
    public let seconds: Double
    /// The row counts and checksums, identical on both sides.
    public let verification: CopyVerification
}

extension Store {
    /// Tables in insertion order: parents before the tables whose foreign keys name them.
    static let copyTables = [
        "experiments", "experiment_tags", "runs", "params", "run_tags", "metric_keys", "metrics", "latest_metrics", "artifacts",
        "registered_models", "registered_model_tags", "model_versions", "model_version_tags", "model_aliases", "offline_metrics",
        "gate_policies", "deployment_ledger", "deployments", "live_windows", "predictions", "outcomes", "live_settings",
        "alert_settings", "logged_models", "logged_model_tags", "logged_model_params", "logged_model_artifacts", "run_outputs",
        "metric_directions", "live_rollups", "live_rollup_confusion", "live_rollup_scores", "live_rollup_converted", "live_rollup_state",
    ]

    /// Tables whose `id` PostgreSQL generates: their sequences continue after the copied ids.
    static let identityTables = [
        "experiments", "runs", "metric_keys", "registered_models", "model_versions", "deployment_ledger", "deployments", "live_windows",
    ]

    /// The column names of `table`, in order.
    static func columns(_ c: Connection, _ table: String) throws -> [String] {
        let sql = c.dialect.pick(
            sqlite: "SELECT name FROM pragma_table_info(?) ORDER BY cid",
            postgres:
                "SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = ? ORDER BY ordinal_position"
        )
        return try c.query(sql, [.text(table)]) { $0.string(0) }
    }

    /// The primary key columns of `table`, in key order.
    static func primaryKey(_ c: Connection, _ table: String) throws -> [String] {
        let sql = c.dialect.pick(
            sqlite: "SELECT name FROM pragma_table_info(?) WHERE pk > 0 ORDER BY pk",
            postgres: """
                SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey)
                 WHERE i.indrelid = to_regclass(CAST(? AS TEXT)) AND i.indisprimary
                 ORDER BY array_position(CAST(i.indkey AS SMALLINT[]), a.attnum)
                """)
        return try c.query(sql, [.text(table)]) { $0.string(0) }
    }

    /// Rows of every copied table.
    static func rowCounts(_ c: Connection) throws -> [String: Int] {
        var counts: [String: Int] = [:]
        for t in Store.copyTables { counts[t] = try c.queryOne("SELECT count(*) FROM \(t)") { $0.int(0) } ?? 0 }
        return counts
    }

    /// Copies every table into `target`: a new database (only the Default experiment), or with
    /// `resume` one holding an interrupted copy of this database, which continues after its last
    /// committed batch. Reads one snapshot of this database, writes `batch` rows per target
    /// transaction, then verifies row counts and checksums (a difference throws, naming the table).
    public func copy(to target: Store, batch: Int = 10_000, resume: Bool = false, progress: (CopyEvent) -> Void = { _ in }) throws
        -> CopySummary
    {
        try checkCopyPair(target)
        let source = Store.copyIdentity(path)
        return try db.read { src in
            let started = ContinuousClock.now
            let plan = try CopyProgressTable.begin(target, source: source, counts: try Store.rowCounts(src), resume: resume)
            var copiedNow = 0
            for table in Store.copyTables {
                guard let from = plan.tables[table] else { continue }
                copiedNow += try copyTable(src, table, to: target, from: from, batch: batch, progress: progress)
            }
            try CopyProgressTable.restoreForeignKeys(target)
            try target.continueIdentities()
            let seconds = (ContinuousClock.now - started).seconds
            progress(.verifying)
            let verification = try Store.verify(source: src, target: target)
            try verification.requireIdentical(source: path, target: target.path)
            try CopyProgressTable.finish(target)
            return CopySummary(
                tables: verification.tables.count, rows: verification.rows, copiedNow: copiedNow, resumed: plan.resumed, seconds: seconds,
                verification: verification)
        }
    }

    /// Refuses a copy onto itself and a source whose schema differs from this tracker's (the
    /// target is migrated to it when opened).
    func checkCopyPair(_ target: Store) throws {
        if Store.copyIdentity(path) == Store.copyIdentity(target.path) {
            throw TrackerError.invalid("--to names the source database itself (\(target.path)); give another database to copy into")
        }
        let status = try Migrator().status(db)
        try Migrator().checkCompatible(status)
        if !status.pending.isEmpty {
            throw TrackerError(
                .storage,
                String(
                    format: "%@ has schema %04d, older than this tracker's (%04d); run 'tracker db migrate --db %@' first", path,
                    status.currentVersion, status.targetVersion, path))
        }
    }

    /// How a database is named in the copy's records: the absolute file path (symlinks resolved)
    /// or the PostgreSQL URL without its password.
    public static func copyIdentity(_ path: String) -> String {
        if isPostgresURL(path) { return path }
        return URL(fileURLWithPath: path).standardizedFileURL.resolvingSymlinksInPath().path
    }

    /// Copies one table after the point `from` records; returns the rows copied now.
    private func copyTable(
        _ src: Connection, _ table: String, to target: Store, from: CopyProgressTable.Entry, batch: Int, progress: (CopyEvent) -> Void
    ) throws -> Int {
        let started = ContinuousClock.now
        progress(.table(name: table, rows: from.sourceRows, resumedAfter: from.copied))
        if from.done {
            progress(.tableDone(name: table, rows: from.sourceRows, copiedNow: 0, seconds: 0))
            return 0
        }
        let columns = try Store.columns(src, table)
        let key = try Store.primaryKey(src, table)
        let keyIndexes = key.compactMap { columns.firstIndex(of: $0) }
        guard !key.isEmpty, keyIndexes.count == key.count else {
            throw TrackerError(.storage, "table \(table) has no primary key to copy it in order; is \(path) a tracker database?")
        }
        var sql = "SELECT \(columns.joined(separator: ", ")) FROM \(table)"
        if from.lastKey != nil {
            let marks = key.map { _ in "?" }.joined(separator: ", ")
            sql += key.count == 1 ? " WHERE \(key[0]) > ?" : " WHERE (\(key.joined(separator: ", "))) > (\(marks))"
        }
        sql += " ORDER BY \(key.joined(separator: ", "))"
        var copied = from.copied
        try Store.stream(src, sql, from.lastKey ?? [], chunk: batch, columns: columns.count) { cells, rows in
            let last = keyIndexes.map { cells[(rows - 1) * columns.count + $0] }
            let total = copied + rows
            try target.db.write { c in
                try Store.insertRows(c, table, columns, cells, rows)
                try CopyProgressTable.record(c, table, copied: total, lastKey: last)
            }
            copied = total
            progress(.batch(name: table, copied: copied, rows: from.sourceRows))
        }
        try target.db.write { try CopyProgressTable.markDone($0, table) }
        let seconds = (ContinuousClock.now - started).seconds
        progress(.tableDone(name: table, rows: from.sourceRows, copiedNow: copied - from.copied, seconds: seconds))
        return copied - from.copied
    }

    /// Writes `rows` rows (`cells`, row after row) into `table`: PostgreSQL's COPY, or on SQLite
    /// multi-row INSERTs within SQLite's bound on parameters per statement (32,766).
    static func insertRows(_ c: Connection, _ table: String, _ columns: [String], _ cells: [SQLiteValue], _ rows: Int) throws {
        let n = columns.count
        if let pg = c as? PGConnection {
            var data = PGCopyRows(capacity: rows * n * 12)
            for r in 0..<rows { data.append(cells[(r * n)..<((r + 1) * n)]) }
            try pg.copy(into: table, columns: columns, rows: data)
            return
        }
        let perInsert = max(1, 30_000 / n)
        let rowMarks = "(" + columns.map { _ in "?" }.joined(separator: ", ") + ")"
        var start = 0
        while start < rows {
            let count = min(perInsert, rows - start)
            let marks = Array(repeating: rowMarks, count: count).joined(separator: ", ")
            let slice = Array(cells[(start * n)..<((start + count) * n)])
            try c.run("INSERT INTO \(table) (\(columns.joined(separator: ", "))) VALUES \(marks)", slice)
            start += count
        }
    }

    /// On PostgreSQL, moves each id sequence past the copied ids, so new rows do not collide.
    func continueIdentities() throws {
        guard db.dialect == .postgres else { return }
        try db.write { c in
            for t in Store.identityTables {
                _ = try c.query("SELECT setval(pg_get_serial_sequence('\(t)', 'id'), max(id)) FROM \(t) HAVING max(id) > 0") { _ in 0 }
            }
        }
    }

    /// Reads the rows of `sql` in chunks of `chunk` rows (`body` gets the cells, row after row,
    /// and the number of rows), so a large table never sits in memory whole. SQLite steps its
    /// statement; on PostgreSQL, whose statements buffer a whole result, a cursor is fetched
    /// (inside the caller's read transaction).
    static func stream(
        _ c: Connection, _ sql: String, _ values: [SQLiteValue], chunk: Int, columns: Int, _ body: ([SQLiteValue], Int) throws -> Void
    ) throws {
        var cells: [SQLiteValue] = []
        cells.reserveCapacity(chunk * columns)
        if let pg = c as? PGConnection {
            try c.run("DECLARE tracker_copy_scan NO SCROLL CURSOR FOR " + sql, values)
            while true {
                let fetched = try pg.flatRows("FETCH FORWARD \(chunk) FROM tracker_copy_scan")
                let rows = fetched.count / max(1, columns)
                if rows > 0 { try body(fetched, rows) }
                if rows < chunk { break }
            }
            try c.run("CLOSE tracker_copy_scan")
            return
        }
        let statement = try c.statement(sql)
        defer { statement.reset() }
        try statement.bind(values)
        var rows = 0
        while try statement.step() {
            let row = statement.row
            for i in 0..<columns { cells.append(row[i]) }
            rows += 1
            if rows == chunk {
                try body(cells, rows)
                cells.removeAll(keepingCapacity: true)
                rows = 0
            }
        }
        if rows > 0 { try body(cells, rows) }
    }
}

extension Duration {
    /// The duration in seconds.
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
