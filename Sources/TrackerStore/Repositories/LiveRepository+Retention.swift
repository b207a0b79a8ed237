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
        // Raw rows before the pruned horizon keep their hours' rollups (a prune may still be deleting them).
        let from = state.prunedBefore.map { $0 * RollupKey.hourMillis } ?? .min
        var batch = RollupBatch()
        var last: (String, Int64, String)?
        var n = 0
        let stmt = try c.statement(
            """
            SELECT env, time, id, version, label, value, score, score_label, actual_label, actual_value FROM predictions
            WHERE model_id = ? AND (env, time, id) > (?, ?, ?) AND time >= ? ORDER BY env, time, id LIMIT ?
            """)
        try stmt.bind([.integer(modelID), .text(k.0), .integer(k.1), .text(k.2), .integer(from), .integer(Int64(limit))])
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
    ///
    /// It works in chunks of `batchSize` predictions (or scanned outcomes), each its own short
    /// write transaction, so other writers get the database between chunks; `progress` hears
    /// after each chunk (a throw stops the prune there: what was committed stays, and a re-run
    /// with the same DATE finishes the job).
    ///
    /// Order, so that every state in between is one readers and writers handle correctly:
    /// first the pruned horizon (`live_rollup_state.pruned_before`) is recorded, in one
    /// transaction for every model, and only then are raw rows deleted. From the moment the
    /// horizon is recorded, queries read the hours before it from the rollups (never from the
    /// raw rows, which are now partly deleted), and ingest ignores a re-sent prediction of
    /// those hours as a duplicate — so no new raw row appears below the cut, and none is
    /// counted twice. A rebuild counts only raw rows from the horizon on (it keeps the pruned
    /// hours' rollups). The other order would break both: between a chunk and a horizon
    /// recorded at the end, the gap would read raw rows with some deleted (wrong figures), and a
    /// re-sent prediction whose row was deleted would be stored and counted again.
    public func prune(
        before: Int64, model: String?, batchSize: Int = 50_000, progress: (PruneProgress) throws -> Void = { _ in }
    ) throws -> PruneSummary {
        let hour = RollupKey.hour(before)
        let cut = hour * RollupKey.hourMillis
        var s = PruneSummary(before: cut)
        let models = try recordPruneHorizon(hour: hour, model: model)
        let limit = max(1, batchSize)
        for (id, name) in models {
            let (p, o) = (s.predictions, s.outcomes)
            var env: String?
            while let e = try nextEnv(modelID: id, after: env) {
                var after: (Int64, String) = (.min, "")
                while let chunk = try pruneChunk(modelID: id, env: e, cut: cut, after: after, limit: limit) {
                    s.predictions += chunk.predictions
                    s.outcomes += chunk.outcomes
                    after = chunk.last
                    try progress(PruneProgress(model: name, predictions: s.predictions - p, outcomes: s.outcomes - o, finished: false))
                }
                env = e
            }
            if s.predictions > p { s.models.append(name) }
            try progress(PruneProgress(model: name, predictions: s.predictions - p, outcomes: s.outcomes - o, finished: true))
        }
        if model == nil { try pruneUnmatchedOutcomes(cut: cut, limit: limit, summary: &s, progress: progress) }
        return s
    }

    /// Records the pruned horizon of every model with raw rows before `hour` (the horizon only
    /// moves forward) and returns those models; refuses while a model's rollups are rebuilt.
    func recordPruneHorizon(hour: Int64, model: String?) throws -> [(Int64, String)] {
        let models: [(Int64, String)] = try db.read { c in
            try model.map { [(try RegistryRepository.modelRow(c, $0).id, $0)] }
                ?? c.query("SELECT id, name FROM registered_models ORDER BY name") { ($0.int64(0), $0.string(1)) }
        }
        // Looked up outside the write lock (a scan per environment); rows before the cut that
        // arrive meanwhile are left, as if they had come after the prune.
        let old = try models.filter { try hasPredictions(modelID: $0.0, before: hour * RollupKey.hourMillis) }
        try db.write { c in
            for (id, name) in models {
                guard try RollupState.load(c, modelID: id).rebuilding else { continue }
                throw TrackerError.invalid(
                    "the rollups of '\(name)' are being rebuilt; finish with 'tracker live rebuild-rollups' before pruning (its raw rows are still needed)")
            }
            for (id, _) in old {
                try c.run(
                    """
                    INSERT INTO live_rollup_state (model_id, positive_label, pruned_before) VALUES (?, ?, ?)
                    ON CONFLICT (model_id) DO UPDATE SET pruned_before =
                        CASE WHEN live_rollup_state.pruned_before > excluded.pruned_before THEN live_rollup_state.pruned_before
                             ELSE excluded.pruned_before END
                    """, [.integer(id), .text(try LiveRepository.liveSettings(c, modelID: id).positiveLabel), .integer(hour)])
            }
        }
        return old
    }

    /// Whether the model has raw predictions before `cut` (one index probe per environment).
    func hasPredictions(modelID: Int64, before cut: Int64) throws -> Bool {
        var env: String?
        while let e = try nextEnv(modelID: modelID, after: env) {
            let found = try db.read { c in
                try c.queryOne(
                    "SELECT 1 FROM predictions WHERE model_id = ? AND env = ? AND time < ? LIMIT 1", [.integer(modelID), .text(e), .integer(cut)],
                    { _ in true })
            }
            if found != nil { return true }
            env = e
        }
        return false
    }

    /// The model's first environment with predictions after `after` (nil: the first of all).
    func nextEnv(modelID: Int64, after: String?) throws -> String? {
        try db.read { c in
            guard let after else {
                return try c.queryOne("SELECT env FROM predictions WHERE model_id = ? ORDER BY env LIMIT 1", [.integer(modelID)], { $0.string(0) })
            }
            return try c.queryOne(
                "SELECT env FROM predictions WHERE model_id = ? AND env > ? ORDER BY env LIMIT 1", [.integer(modelID), .text(after)], { $0.string(0) })
        }
    }

    /// Deletes the next `limit` predictions of (model, env) before `cut` in key order after
    /// `after`, with their outcomes, in one transaction; nil when none are left. The chunk's
    /// last key is looked up first, outside the write lock.
    func pruneChunk(modelID: Int64, env: String, cut: Int64, after: (Int64, String), limit: Int) throws -> PruneChunk? {
        let args: [SQLiteValue] = [.integer(modelID), .text(env), .integer(cut), .integer(after.0), .text(after.1)]
        let range = "model_id = ? AND env = ? AND time < ? AND (time, id) > (?, ?)"
        let last = try db.read { c in
            try c.queryOne(
                "SELECT time, id FROM predictions WHERE \(range) ORDER BY time, id LIMIT 1 OFFSET ?", args + [.integer(Int64(limit - 1))],
                { ($0.int64(0), $0.string(1)) })
                ?? c.queryOne("SELECT time, id FROM predictions WHERE \(range) ORDER BY time DESC, id DESC LIMIT 1", args, { ($0.int64(0), $0.string(1)) })
        }
        guard let last else { return nil }
        // Both ends as row values, so the key range bounds the scan on both sides (with
        // `time < cut` as well, SQLite would scan on to the cut in every chunk); `last` is below
        // the cut, and so is every key up to it.
        let chunk: [SQLiteValue] = [.integer(modelID), .text(env), .integer(after.0), .text(after.1), .integer(last.0), .text(last.1)]
        let keys = "model_id = ? AND env = ? AND (time, id) > (?, ?) AND (time, id) <= (?, ?)"
        return try pausingAfter {
            try db.write { c in
                let outcomes = try c.run("DELETE FROM outcomes WHERE id IN (SELECT id FROM predictions WHERE \(keys))", chunk)
                let predictions = try c.run("DELETE FROM predictions WHERE \(keys)", chunk)
                return PruneChunk(predictions: predictions, outcomes: outcomes, last: last)
            }
        }
    }

    /// Deletes outcomes before `cut` that met no prediction, `limit` scanned outcomes (by id)
    /// per transaction.
    func pruneUnmatchedOutcomes(cut: Int64, limit: Int, summary s: inout PruneSummary, progress: (PruneProgress) throws -> Void) throws {
        var after = ""
        var deleted = 0
        while true {
            let last: String? = try db.read { c in
                let nth = "SELECT id FROM outcomes WHERE id > ? ORDER BY id LIMIT 1 OFFSET ?"
                if let id = try c.queryOne(nth, [.text(after), .integer(Int64(limit - 1))], { $0.string(0) }) { return id }
                return try c.queryOne("SELECT id FROM outcomes WHERE id > ? ORDER BY id DESC LIMIT 1", [.text(after)], { $0.string(0) })
            }
            guard let last else { break }
            let n = try pausingAfter {
                try db.write { c in
                    try c.run(
                        """
                        DELETE FROM outcomes WHERE id > ? AND id <= ? AND time < ?
                        AND NOT EXISTS (SELECT 1 FROM predictions p WHERE p.id = outcomes.id)
                        """, [.text(after), .text(last), .integer(cut)])
                }
            }
            (deleted, after) = (deleted + n, last)
            s.outcomes += n
            try progress(PruneProgress(model: nil, predictions: 0, outcomes: deleted, finished: false))
        }
        try progress(PruneProgress(model: nil, predictions: 0, outcomes: deleted, finished: true))
    }

    /// Runs one chunk's write transaction, then on SQLite leaves the write lock free for as
    /// long as the chunk held it (at most 100 ms) before the next one: SQLite's busy handler
    /// does not queue waiting writers, it polls (after its first ~0.2 s, every 100 ms), so a
    /// pruner that began its next chunk at once could keep another process waiting for the
    /// whole prune. Free half the time (or for a whole poll interval), a waiting writer gets the
    /// lock within a poll or two. PostgreSQL locks rows and queues waiters: no pause there.
    func pausingAfter<T>(_ chunk: () throws -> T) throws -> T {
        let clock = ContinuousClock()
        let start = clock.now
        let result = try chunk()
        if db.dialect == .sqlite {
            let held = clock.now - start
            usleep(UInt32(min(held, .milliseconds(100)) / .microseconds(1)))
        }
        return result
    }
}

/// One committed prune chunk.
struct PruneChunk {
    let predictions: Int
    let outcomes: Int
    /// The last (time, id) deleted: the next chunk starts after it.
    let last: (Int64, String)
}

/// Progress of `live prune`, reported after each chunk and at the end of each model.
public struct PruneProgress: Sendable {
    /// The model pruned; nil for outcomes that met no prediction (pruned last, without --model).
    public let model: String?
    /// Its predictions and outcomes deleted so far in this run.
    public let predictions: Int
    public let outcomes: Int
    /// Whether this model (or the unmatched outcomes) is done.
    public let finished: Bool
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
