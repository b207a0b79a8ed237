import Foundation
import SQLiteKit
import TrackerCore

/// The record of a copy in progress, kept in the target itself (`tracker_copy_progress`): per
/// table, the source's row count when the copy began, the rows copied and the primary key of
/// the last one, each updated in the same transaction as its batch — so after a crash the record
/// says exactly what the target holds. The copy creates the table and drops it once the copy is
/// verified: it is not part of the tracker's schema (no migration, so no schema version bump
/// and no backup of every database on upgrade for it), and its presence marks a partial copy.
enum CopyProgressTable {
    static let name = "tracker_copy_progress"

    static let create = """
        CREATE TABLE tracker_copy_progress (
            table_name  TEXT   NOT NULL PRIMARY KEY,
            source      TEXT   NOT NULL,
            source_rows BIGINT NOT NULL,
            copied_rows BIGINT NOT NULL DEFAULT 0,
            last_key    TEXT,
            done        BIGINT NOT NULL DEFAULT 0
        )
        """

    /// One table's progress.
    struct Entry: Sendable {
        let source: String
        let sourceRows: Int
        let copied: Int
        /// The primary key of the last row copied (nil before the first batch).
        let lastKey: [SQLiteValue]?
        let done: Bool
    }

    /// What a copy starts from.
    struct Plan: Sendable {
        let tables: [String: Entry]
        let resumed: Bool
    }

    /// Starts a copy of `source` (whose tables hold `counts` rows) into `target`, or with
    /// `resume` continues the interrupted one recorded there. Refuses a target holding data, a
    /// partial copy without `resume`, and one of another source or of a source that changed since.
    static func begin(_ target: Store, source: String, counts: [String: Int], resume: Bool) throws -> Plan {
        try target.db.write { c in
            if try Migrator.tableCount(c, named: name) > 0 {
                let entries = try read(c)
                guard resume else { throw partialCopy(target.path, entries) }
                try checkSameSource(entries, source: source, counts: counts, target: target.path)
                return Plan(tables: entries, resumed: true)
            }
            try requireEmpty(c, target: target.path, resume: resume)
            try c.execute(create)
            try dropForeignKeys(c)
            // The source brings its own Default experiment (id 0).
            try c.run("DELETE FROM experiments WHERE id = 0")
            var entries: [String: Entry] = [:]
            for table in Store.copyTables {
                let rows = counts[table] ?? 0
                try c.run(
                    "INSERT INTO tracker_copy_progress (table_name, source, source_rows) VALUES (?, ?, ?)",
                    [.text(table), .text(source), .integer(Int64(rows))])
                entries[table] = Entry(source: source, sourceRows: rows, copied: 0, lastKey: nil, done: false)
            }
            return Plan(tables: entries, resumed: false)
        }
    }

    /// Records a committed batch (inside the batch's transaction).
    static func record(_ c: Connection, _ table: String, copied: Int, lastKey: [SQLiteValue]) throws {
        try c.run(
            "UPDATE tracker_copy_progress SET copied_rows = ?, last_key = ? WHERE table_name = ?",
            [.integer(Int64(copied)), .text(encode(lastKey)), .text(table)])
    }

    /// Marks a table complete.
    static func markDone(_ c: Connection, _ table: String) throws {
        try c.run("UPDATE tracker_copy_progress SET done = 1 WHERE table_name = ?", [.text(table)])
    }

    // MARK: - Foreign keys (PostgreSQL)

    /// Drops the foreign keys of the copied tables on PostgreSQL, recording them in
    /// `tracker_copy_foreign_keys` to add back when every table is in (as `pg_restore` loads data
    /// before its foreign keys): checking each copied row against its parents costs PostgreSQL
    /// about five times the insert itself (measured: 100k metric points, 4.0 s with the two
    /// checks, 0.44 s without), while adding a key back checks the whole table in one join.
    /// Runs in the transaction that starts the copy; a resumed copy finds them still recorded.
    static func dropForeignKeys(_ c: Connection) throws {
        guard c.dialect == .postgres else { return }
        try c.execute(
            "CREATE TABLE tracker_copy_foreign_keys (table_name TEXT NOT NULL, name TEXT NOT NULL, definition TEXT NOT NULL, PRIMARY KEY (table_name, name))"
        )
        let keys = try c.query(
            """
            SELECT t.relname::text, k.conname::text, pg_get_constraintdef(k.oid) FROM pg_constraint k
              JOIN pg_class t ON t.oid = k.conrelid JOIN pg_namespace n ON n.oid = t.relnamespace
             WHERE k.contype = 'f' AND n.nspname = current_schema() ORDER BY 1, 2
            """
        ) { ($0.string(0), $0.string(1), $0.string(2)) }
        for (table, name, definition) in keys where Store.copyTables.contains(table) {
            try c.run(
                "INSERT INTO tracker_copy_foreign_keys (table_name, name, definition) VALUES (?, ?, ?)",
                [.text(table), .text(name), .text(definition)])
            try c.execute("ALTER TABLE \(table) DROP CONSTRAINT \"\(name)\"")
        }
    }

    /// Adds back the foreign keys `dropForeignKeys` recorded (each checks its table once), in one
    /// transaction; nothing to do on SQLite or when they are back already.
    static func restoreForeignKeys(_ target: Store) throws {
        guard target.db.dialect == .postgres else { return }
        try target.db.write { c in
            guard try Migrator.tableCount(c, named: "tracker_copy_foreign_keys") > 0 else { return }
            let keys = try c.query("SELECT table_name, name, definition FROM tracker_copy_foreign_keys ORDER BY table_name, name") {
                ($0.string(0), $0.string(1), $0.string(2))
            }
            for (table, name, definition) in keys {
                try c.execute("ALTER TABLE \(table) ADD CONSTRAINT \"\(name)\" \(definition)")
            }
            try c.execute("DROP TABLE tracker_copy_foreign_keys")
        }
    }

    /// Ends a verified copy: the target is then an ordinary tracker database.
    static func finish(_ target: Store) throws {
        try target.db.write { try $0.execute("DROP TABLE tracker_copy_progress") }
    }

    static func read(_ c: Connection) throws -> [String: Entry] {
        let rows = try c.query("SELECT table_name, source, source_rows, copied_rows, last_key, done FROM tracker_copy_progress") { r in
            (r.string(0), r.string(1), r.int(2), r.int(3), r.isNull(4) ? nil : r.string(4), r.int(5) != 0)
        }
        var entries: [String: Entry] = [:]
        for (table, source, sourceRows, copied, key, done) in rows {
            entries[table] = Entry(
                source: source, sourceRows: sourceRows, copied: copied, lastKey: try key.map { try decode($0, table: table) }, done: done)
        }
        return entries
    }

    // MARK: - Refusals

    private static func requireEmpty(_ c: Connection, target: String, resume: Bool) throws {
        let counts = try Store.rowCounts(c)
        let defaultOnly = try c.queryOne("SELECT count(*) FROM experiments WHERE id = 0") { $0.int(0) } == 1
        guard counts.values.reduce(0, +) == 1 && defaultOnly else {
            let rows = counts.values.reduce(0, +)
            let why = resume ? ", and no interrupted copy to resume (a finished copy leaves none)" : ""
            throw TrackerError(
                .conflict,
                "\(target) already holds data (\(rows) rows)\(why); copy into a new, empty database (another ?search_path= schema, or a new file; the target is created when missing), or check an earlier copy with --verify-only"
            )
        }
    }

    /// Refuses ordinary use of a database a `tracker db copy` left unfinished: it holds part of
    /// its source's rows (and, on PostgreSQL, no foreign keys yet), so every answer from it would
    /// be quietly wrong. One lookup in the schema catalogue per open.
    static func refuseUnfinishedCopy(_ db: Database, path: String) throws {
        try db.read { c in
            guard try Migrator.tableCount(c, named: name) > 0 else { return }
            let source = try c.queryOne("SELECT source FROM tracker_copy_progress LIMIT 1") { $0.string(0) } ?? "?"
            throw TrackerError(
                .storage,
                "\(path) is an unfinished copy of \(source) ('tracker db copy' stopped before it finished); continue it with 'tracker db copy --from \(source) --to \(path) --resume', or delete it and copy again"
            )
        }
    }

    private static func partialCopy(_ target: String, _ entries: [String: Entry]) -> TrackerError {
        let done = entries.values.filter(\.done).count
        let copied = entries.values.reduce(0) { $0 + $1.copied }
        let total = entries.values.reduce(0) { $0 + $1.sourceRows }
        let source = entries.values.first?.source ?? "?"
        return TrackerError(
            .conflict,
            "\(target) holds an interrupted copy of \(source) (\(done) of \(entries.count) tables, \(copied) of \(total) rows); continue it with --resume, or copy into a new, empty database"
        )
    }

    private static func checkSameSource(_ entries: [String: Entry], source: String, counts: [String: Int], target: String) throws {
        if let other = entries.values.first?.source, other != source {
            throw TrackerError(
                .conflict,
                "\(target) holds an interrupted copy of \(other), not of \(source); resume it with --from \(other), or copy into a new, empty database"
            )
        }
        for table in Store.copyTables where entries[table]?.sourceRows != counts[table] {
            let then = entries[table].map { "\($0.sourceRows)" } ?? "no"
            throw TrackerError(
                .conflict,
                "\(source) changed since the interrupted copy began (\(table): \(then) rows then, \(counts[table] ?? 0) now), so resuming would mix two states; copy into a new, empty database instead"
            )
        }
    }

    // MARK: - Keys as text

    /// A primary key as a JSON array: integers as numbers, text as strings.
    static func encode(_ key: [SQLiteValue]) -> String {
        JSON.array(
            key.map { v -> JSON in
                switch v {
                case .integer(let i): return .int(i)
                case .real(let d): return .double(d)
                case .text(let s): return .string(s)
                case .blob(let b): return .object([("blob", .string(b.map { String(format: "%02x", $0) }.joined()))])
                case .null: return .null
                }
            }
        ).serialized()
    }

    static func decode(_ text: String, table: String) throws -> [SQLiteValue] {
        guard let items = try? JSON.parse(text).arrayValue else {
            throw TrackerError(.storage, "the copy progress of \(table) is unreadable (\(text)); copy into a new, empty database")
        }
        return try items.map { item -> SQLiteValue in
            switch item {
            case .int(let i): return .integer(i)
            case .double(let d): return .real(d)
            case .string(let s): return .text(s)
            case .null: return .null
            default:
                guard let hex = item["blob"]?.stringValue else {
                    throw TrackerError(.storage, "the copy progress of \(table) is unreadable (\(text)); copy into a new, empty database")
                }
                return .blob(stride(from: 0, to: hex.count, by: 2).map { i in UInt8(hex.dropFirst(i).prefix(2), radix: 16) ?? 0 })
            }
        }
    }
}
