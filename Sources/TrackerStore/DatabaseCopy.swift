import Foundation
import SQLiteKit
import TrackerCore

/// `tracker db copy`: every table of one database into an empty one of either backend, in
/// batches, verified by row counts (issue #18, first slice: no resume, no checksums yet).
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

    /// Rows of every copied table.
    func rowCounts() throws -> [String: Int] {
        try db.read { c in
            var counts: [String: Int] = [:]
            for t in Store.copyTables { counts[t] = try c.queryOne("SELECT count(*) FROM \(t)") { $0.int(0) } ?? 0 }
            return counts
        }
    }

    /// Copies every table into `target`, which must be a freshly created tracker database (only
    /// the Default experiment). Inserts `batch` rows per transaction and reports each batch to
    /// `progress` (table, rows copied, rows in the table). Verifies the row counts at the end and
    /// returns them.
    @discardableResult
    public func copy(to target: Store, batch: Int = 5000, progress: (String, Int, Int) -> Void = { _, _, _ in }) throws -> [(
        table: String, rows: Int
    )] {
        let counts = try rowCounts()
        let existing = try target.rowCounts()
        if existing.values.reduce(0, +) > 1 || existing["experiments"] != 1 {
            throw TrackerError(
                .conflict, "\(target.path) already holds data; copy into a new, empty database (create one with 'tracker init --db URL')")
        }
        // The source has its own Default experiment (id 0).
        try target.db.write { try $0.run("DELETE FROM experiments WHERE id = 0") }
        for table in Store.copyTables {
            try copyTable(table, to: target, batch: batch, total: counts[table] ?? 0, progress: progress)
        }
        if target.db.dialect == .postgres {
            try target.db.write { c in
                for t in Store.identityTables {
                    _ = try c.query("SELECT setval(pg_get_serial_sequence('\(t)', 'id'), max(id)) FROM \(t) HAVING max(id) > 0") { _ in 0 }
                }
            }
        }
        let copied = try target.rowCounts()
        for t in Store.copyTables where copied[t] != counts[t] {
            throw TrackerError(
                .storage, "copy of \(t) is incomplete: \(counts[t] ?? 0) rows in \(path), \(copied[t] ?? 0) in \(target.path)")
        }
        return Store.copyTables.map { ($0, counts[$0] ?? 0) }
    }

    /// Streams one table from this database and inserts it into `target` in batches.
    private func copyTable(_ table: String, to target: Store, batch: Int, total: Int, progress: (String, Int, Int) -> Void) throws {
        let columns = try db.read { try Store.columns($0, table) }
        // Both backends bound the number of parameters of a statement (SQLite 32,766).
        let perInsert = max(1, min(batch, 30_000 / columns.count))
        let names = columns.joined(separator: ", ")
        let rowMarks = "(" + columns.map { _ in "?" }.joined(separator: ", ") + ")"
        var pending: [SQLiteValue] = []
        var copied = 0
        func flush() throws {
            guard !pending.isEmpty else { return }
            let values = pending
            let rows = values.count / columns.count
            try target.db.write { c in
                var start = 0
                while start < rows {
                    let n = min(perInsert, rows - start)
                    let marks = Array(repeating: rowMarks, count: n).joined(separator: ", ")
                    let slice = Array(values[(start * columns.count)..<((start + n) * columns.count)])
                    try c.run("INSERT INTO \(table) (\(names)) VALUES \(marks)", slice)
                    start += n
                }
            }
            copied += rows
            pending.removeAll(keepingCapacity: true)
            progress(table, copied, total)
        }
        try db.read { c in
            let stmt = try c.statement("SELECT \(names) FROM \(table)")
            defer { stmt.reset() }
            while try stmt.step() {
                let row = stmt.row
                for i in 0..<columns.count { pending.append(row[i]) }
                if pending.count >= batch * columns.count { try flush() }
            }
        }
        try flush()
        if total == 0 { progress(table, 0, 0) }
    }
}
