import Foundation
import SQLiteKit
import TrackerCore

/// What `live prune` deleted.
public struct PruneSummary: Sendable, Equatable {
    /// Raw rows deleted.
    public var predictions = 0
    public var outcomes = 0
    /// The cut-off used: DATE rounded down to its hour (rollups are hourly).
    public var before: Int64 = 0
    /// Models pruned.
    public var models: [String] = []
}

/// Progress of a rollup rebuild, reported after each batch.
public struct RebuildProgress: Sendable {
    public let model: String
    /// Predictions counted so far for this model.
    public let done: Int
    /// Its stored predictions (the total to count).
    public let total: Int
    public let finished: Bool
}

extension LiveRepository {
    // MARK: - Rebuilding rollups

    /// Marks models' rollups for a rebuild (all models with predictions when `model` is nil);
    /// a rebuild already under way keeps its place.
    public func markRollupsForRebuild(model: String?) throws {
        try db.write { c in
            let ids: [Int64] =
                try model.map { [try RegistryRepository.modelRow(c, $0).id] }
                ?? c.query("SELECT id FROM registered_models m WHERE EXISTS (SELECT 1 FROM predictions p WHERE p.model_id = m.id)") { $0.int64(0) }
            for id in ids { try LiveRepository.markRebuild(c, modelID: id) }
        }
    }

    static func markRebuild(_ c: Connection, modelID: Int64) throws {
        let positive = try LiveRepository.liveSettings(c, modelID: modelID).positiveLabel
        try c.run(
            """
            INSERT INTO live_rollup_state (model_id, positive_label, rebuilding) VALUES (?, ?, 1)
            ON CONFLICT (model_id) DO UPDATE SET positive_label = excluded.positive_label, rebuilding = 1,
                cursor_env = CASE WHEN live_rollup_state.rebuilding = 1 THEN live_rollup_state.cursor_env END,
                cursor_time = CASE WHEN live_rollup_state.rebuilding = 1 THEN live_rollup_state.cursor_time END,
                cursor_id = CASE WHEN live_rollup_state.rebuilding = 1 THEN live_rollup_state.cursor_id END
            """, [.integer(modelID), .text(positive)])
    }

    /// Whether any model's rollups wait for a rebuild (after the migration that added them, or a
    /// change of positive label).
    public func rollupsPending() throws -> Bool {
        try db.read { c in try c.queryOne("SELECT 1 FROM live_rollup_state WHERE rebuilding = 1", [], { _ in true }) ?? false }
    }

    /// Rebuilds every model's rollups marked for it, `batchSize` predictions per transaction, from
    /// where an interrupted rebuild stopped. Hours whose raw rows were pruned keep their rollups.
    /// Queries read raw rows for a model until its rebuild ends; ingest meanwhile counts only
    /// predictions the rebuild has passed (it counts the others itself).
    public func rebuildRollups(batchSize: Int = 50_000, progress: (RebuildProgress) -> Void = { _ in }) throws {
        let pending = try db.read { c in
            try c.query(
                "SELECT s.model_id, m.name FROM live_rollup_state s JOIN registered_models m ON m.id = s.model_id WHERE s.rebuilding = 1 ORDER BY m.name"
            ) { ($0.int64(0), $0.string(1)) }
        }
        for (id, name) in pending {
            let total = try db.read { c in
                try c.queryOne("SELECT count(*) FROM predictions WHERE model_id = ?", [.integer(id)]) { $0.int(0) } ?? 0
            }
            var done = try db.read { c in try LiveRepository.rebuiltSoFar(c, modelID: id) }
            while true {
                let (n, finished) = try db.write { c in try LiveRepository.rebuildBatch(c, modelID: id, limit: batchSize) }
                done += n
                progress(RebuildProgress(model: name, done: done, total: total, finished: finished))
                if finished { break }
            }
        }
    }

    /// Predictions a resumed rebuild has already counted.
    static func rebuiltSoFar(_ c: Connection, modelID: Int64) throws -> Int {
        let s = try RollupState.load(c, modelID: modelID)
        guard let k = s.cursor else { return 0 }
        return try c.queryOne(
            "SELECT count(*) FROM predictions WHERE model_id = ? AND (env, time, id) <= (?, ?, ?)",
            [.integer(modelID), .text(k.env), .integer(k.time), .text(k.id)]
        ) { $0.int(0) } ?? 0
    }

    /// One rebuild step in one transaction: the first clears the model's rollups (except pruned
    /// hours), each counts the next `limit` predictions in key order and moves the cursor.
    static func rebuildBatch(_ c: Connection, modelID: Int64, limit: Int) throws -> (count: Int, finished: Bool) {
        let state = try RollupState.load(c, modelID: modelID)
        guard state.rebuilding else { return (0, true) }
        let positive = try LiveRepository.liveSettings(c, modelID: modelID).positiveLabel
        if state.cursor == nil { try clearRollups(c, modelID: modelID, from: state.prunedBefore ?? .min) }
        let k = state.cursor ?? ("", .min, "")
        var batch = RollupBatch()
        var last: (String, Int64, String)?
        var n = 0
        let stmt = try c.statement(
            """
            SELECT env, time, id, version, label, value, score, score_label, actual_label, actual_value FROM predictions
            WHERE model_id = ? AND (env, time, id) > (?, ?, ?) ORDER BY env, time, id LIMIT ?
            """)
        try stmt.bind([.integer(modelID), .text(k.0), .integer(k.1), .text(k.2), .integer(Int64(limit))])
        while try stmt.step() {
            let r = stmt.row
            let (env, time, id) = (r.string(0), r.int64(1), r.string(2))
            batch.add(
                RollupKey(model: modelID, env: env, version: r.optionalInt64(3) ?? 0, hour: RollupKey.hour(time)), positive: positive,
                label: r.optionalString(4), value: r.optionalDouble(5), score: r.optionalDouble(6), scoreLabel: r.optionalString(7),
                actualLabel: r.optionalString(8), actualValue: r.optionalDouble(9))
            last = (env, time, id)
            n += 1
        }
        stmt.reset()
        try batch.write(c)
        let finished = n < limit
        try advanceRebuild(c, modelID: modelID, finished: finished, positive: positive, last: last)
        return (n, finished)
    }

    /// Deletes a model's rollups of the hours from `hour` on (a rebuild's first step keeps pruned hours).
    static func clearRollups(_ c: Connection, modelID: Int64, from hour: Int64) throws {
        for table in ["live_rollups", "live_rollup_confusion", "live_rollup_scores", "live_rollup_converted"] {
            try c.run("DELETE FROM \(table) WHERE model_id = ? AND hour >= ?", [.integer(modelID), .integer(hour)])
        }
    }

    /// Ends the rebuild (rollups now count for `positive`), or moves its cursor to the last key counted.
    static func advanceRebuild(_ c: Connection, modelID: Int64, finished: Bool, positive: String, last: (String, Int64, String)?) throws {
        if finished {
            try c.run(
                "UPDATE live_rollup_state SET rebuilding = 0, positive_label = ?, cursor_env = NULL, cursor_time = NULL, cursor_id = NULL WHERE model_id = ?",
                [.text(positive), .integer(modelID)])
        } else if let last {
            try c.run(
                "UPDATE live_rollup_state SET cursor_env = ?, cursor_time = ?, cursor_id = ? WHERE model_id = ?",
                [.text(last.0), .integer(last.1), .text(last.2), .integer(modelID)])
        }
    }

    // MARK: - Pruning raw rows

    /// Deletes raw predictions (and their outcomes) older than `before` rounded down to its hour,
    /// for `model` or every model; the rollups keep those hours. Outcomes that never met a
    /// prediction and are older too go when no model is named.
    public func prune(before: Int64, model: String?) throws -> PruneSummary {
        try db.write { c in
            let hour = RollupKey.hour(before)
            let cut = hour * RollupKey.hourMillis
            var s = PruneSummary(before: cut)
            let models: [(Int64, String)] =
                try model.map { [(try RegistryRepository.modelRow(c, $0).id, $0)] }
                ?? c.query("SELECT id, name FROM registered_models ORDER BY name") { ($0.int64(0), $0.string(1)) }
            for (id, name) in models {
                if try RollupState.load(c, modelID: id).rebuilding {
                    throw TrackerError.invalid(
                        "the rollups of '\(name)' are being rebuilt; finish with 'tracker live rebuild-rollups' before pruning (its raw rows are still needed)")
                }
                s.outcomes += try c.run(
                    "DELETE FROM outcomes WHERE id IN (SELECT id FROM predictions WHERE model_id = ? AND time < ?)", [.integer(id), .integer(cut)])
                let n = try c.run("DELETE FROM predictions WHERE model_id = ? AND time < ?", [.integer(id), .integer(cut)])
                s.predictions += n
                guard n > 0 else { continue }
                s.models.append(name)
                try c.run(
                    """
                    INSERT INTO live_rollup_state (model_id, positive_label, pruned_before) VALUES (?, ?, ?)
                    ON CONFLICT (model_id) DO UPDATE SET pruned_before =
                        CASE WHEN live_rollup_state.pruned_before > excluded.pruned_before THEN live_rollup_state.pruned_before
                             ELSE excluded.pruned_before END
                    """, [.integer(id), .text(try LiveRepository.liveSettings(c, modelID: id).positiveLabel), .integer(hour)])
            }
            if model == nil {
                s.outcomes += try c.run(
                    "DELETE FROM outcomes WHERE time < ? AND NOT EXISTS (SELECT 1 FROM predictions p WHERE p.id = outcomes.id)", [.integer(cut)])
            }
            return s
        }
    }
}

/// Rows and bytes of one live table (indexes included).
public struct TableStorage: Sendable, Equatable {
    public let table: String
    public let rows: Int
    /// nil when this SQLite has no `dbstat` table to measure it.
    public let bytes: Int64?
}

extension LiveRepository {
    /// The tables of raw live rows and of their rollups.
    public static let storageTables = [
        "predictions", "outcomes", "live_windows", "live_rollups", "live_rollup_confusion", "live_rollup_scores", "live_rollup_converted",
    ]

    /// Rows and bytes per live table: bytes from SQLite's `dbstat` virtual table (pages of the
    /// table and its indexes), nil where this SQLite was built without it.
    public func storage() throws -> [TableStorage] {
        try db.read { c in
            var bytes: [String: Int64]? = [:]
            if c.dialect == .postgres {
                // PostgreSQL measures a table with its indexes and TOAST directly.
                for t in LiveRepository.storageTables {
                    bytes?[t] = try c.queryOne("SELECT pg_total_relation_size('\(t)')", [], { $0.int64(0) })
                }
            } else {
                do {
                    for (name, n) in try c.query(
                        "SELECT s.tbl_name, sum(d.pgsize) FROM dbstat d JOIN sqlite_schema s ON s.name = d.name GROUP BY s.tbl_name", [],
                        cache: false, { ($0.string(0), $0.int64(1)) })
                    {
                        bytes?[name] = n
                    }
                } catch {
                    bytes = nil
                }
            }
            return try LiveRepository.storageTables.map { t in
                TableStorage(
                    table: t, rows: try c.queryOne("SELECT count(*) FROM \(t)", [], { $0.int(0) }) ?? 0, bytes: bytes.map { $0[t] ?? 0 })
            }
        }
    }

    /// The database file's size from its page count (what is measurable without `dbstat`); on
    /// PostgreSQL, the tracker schema's tables with their indexes and TOAST (not the whole
    /// database, which other schemas share).
    public func fileBytes() throws -> Int64 {
        try db.read { c in
            if c.dialect == .postgres {
                return try c.queryOne(
                    """
                    SELECT COALESCE(sum(pg_total_relation_size(oid)), 0)::bigint FROM pg_class
                    WHERE relnamespace = current_schema()::regnamespace AND relkind IN ('r', 'p', 'm')
                    """, [], { $0.int64(0) }) ?? 0
            }
            let pages = try c.queryOne("PRAGMA page_count", [], { $0.int64(0) }) ?? 0
            let size = try c.queryOne("PRAGMA page_size", [], { $0.int64(0) }) ?? 0
            return pages * size
        }
    }
}
