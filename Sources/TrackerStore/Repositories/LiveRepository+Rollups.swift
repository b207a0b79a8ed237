import Foundation
import SQLiteKit
import TrackerAnalysis
import TrackerCore

/// One rollup row's identity: model, environment, version (0 = unattributed), hour of prediction time.
struct RollupKey: Hashable {
    let model: Int64
    let env: String
    let version: Int64
    let hour: Int64

    static let hourMillis: Int64 = 3_600_000

    /// The hour of a time in ms (floor division, also before 1970).
    static func hour(_ t: Int64) -> Int64 { t >= 0 ? t / hourMillis : -((-t + hourMillis - 1) / hourMillis) }
}

/// A model's rollup bookkeeping (`live_rollup_state`); no row = rollups are current for the
/// model's positive label and nothing was pruned.
struct RollupState {
    var positive: String?
    var rebuilding = false
    /// The last prediction key (env, time, id) the rebuild has counted; nil = not started.
    var cursor: (env: String, time: Int64, id: String)?
    /// Raw rows before this hour were pruned.
    var prunedBefore: Int64?

    static func load(_ c: Connection, modelID: Int64) throws -> RollupState {
        try c.queryOne(
            "SELECT positive_label, rebuilding, cursor_env, cursor_time, cursor_id, pruned_before FROM live_rollup_state WHERE model_id = ?",
            [.integer(modelID)]
        ) { r in
            RollupState(
                positive: r.string(0), rebuilding: r.int64(1) != 0,
                cursor: r.isNull(2) ? nil : (r.string(2), r.int64(3), r.string(4)), prunedBefore: r.optionalInt64(5))
        } ?? RollupState()
    }

    /// Whether ingest adds a prediction to the rollups now: not while a rebuild has yet to reach it.
    func counts(env: String, time: Int64, id: String) -> Bool {
        guard rebuilding else { return true }
        guard let k = cursor else { return false }
        if env != k.env { return env.utf8.lexicographicallyPrecedes(k.env.utf8) }
        if time != k.time { return time < k.time }
        return !k.id.utf8.lexicographicallyPrecedes(id.utf8)
    }
}

/// Rollup changes of one transaction, written at its end: totals add up, histograms merge.
struct RollupBatch {
    var data: [RollupKey: RollupData] = [:]

    /// Bytewise equality, as SQLite compares TEXT (Swift's == would equate canonically equal strings).
    static func same(_ a: String?, _ b: String) -> Bool { a.map { $0.utf8.elementsEqual(b.utf8) } ?? false }

    /// Counts one prediction; a score ingested as the probability of another label than
    /// `positive` is counted as converted (it is read as 1 − score).
    mutating func addPrediction(_ key: RollupKey, positive: String, score: Double?, scoreLabel: String?) {
        data[key, default: RollupData()].totals.predictions += 1
        if score != nil, let from = scoreLabel, !Self.same(from, positive) { data[key]!.converted[from, default: 0] += 1 }
    }

    /// Adds a prediction's joined outcome, as the raw query does: `positive` is the rollups'
    /// positive label; a score ingested for another label is converted (1 − score).
    mutating func addOutcome(
        _ key: RollupKey, positive: String, label: String?, value: Double?, score: Double?, scoreLabel: String?, actualLabel: String?,
        actualValue: Double?
    ) {
        guard let actual = actualLabel else { return }
        // Mutated in place: a copy would copy the histogram's arrays for every outcome.
        data[key, default: RollupData()].addOutcome(
            positive: positive, label: label, value: value, score: score, scoreLabel: scoreLabel, actual: actual, actualValue: actualValue)
    }

    /// Writes every change: additive upserts; histograms are read, merged and written back.
    func write(_ c: Connection) throws {
        for (k, d) in data {
            let t = d.totals
            let ins = try c.statement(
                """
                INSERT INTO live_rollups (model_id, env, version, hour, predictions, labeled, correct, tp, fp, fn, non_integral,
                    ll_n, ll_s1, ll_s2, ll_s3, err_sum, abs_n, abs_s1, abs_s2, abs_s3, sq_s2, sq_s3, pct_n, pct_s1, pct_s2, pct_s3, zero_actuals)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (model_id, env, version, hour) DO UPDATE SET
                    predictions = live_rollups.predictions + excluded.predictions, labeled = live_rollups.labeled + excluded.labeled,
                    correct = live_rollups.correct + excluded.correct, tp = live_rollups.tp + excluded.tp,
                    fp = live_rollups.fp + excluded.fp, fn = live_rollups.fn + excluded.fn,
                    non_integral = live_rollups.non_integral + excluded.non_integral,
                    ll_n = live_rollups.ll_n + excluded.ll_n, ll_s1 = live_rollups.ll_s1 + excluded.ll_s1,
                    ll_s2 = live_rollups.ll_s2 + excluded.ll_s2, ll_s3 = live_rollups.ll_s3 + excluded.ll_s3,
                    err_sum = live_rollups.err_sum + excluded.err_sum,
                    abs_n = live_rollups.abs_n + excluded.abs_n, abs_s1 = live_rollups.abs_s1 + excluded.abs_s1,
                    abs_s2 = live_rollups.abs_s2 + excluded.abs_s2, abs_s3 = live_rollups.abs_s3 + excluded.abs_s3,
                    sq_s2 = live_rollups.sq_s2 + excluded.sq_s2, sq_s3 = live_rollups.sq_s3 + excluded.sq_s3,
                    pct_n = live_rollups.pct_n + excluded.pct_n, pct_s1 = live_rollups.pct_s1 + excluded.pct_s1,
                    pct_s2 = live_rollups.pct_s2 + excluded.pct_s2, pct_s3 = live_rollups.pct_s3 + excluded.pct_s3,
                    zero_actuals = live_rollups.zero_actuals + excluded.zero_actuals
                """)
            try ins.bind(
                Self.keyValues(k) + [
                    .integer(t.predictions), .integer(t.labeled), .integer(t.correct), .integer(t.tp), .integer(t.fp), .integer(t.fn),
                    .integer(t.nonIntegral), .integer(t.logLoss.n), .real(t.logLoss.s1), .real(t.logLoss.s2), .real(t.logLoss.s3),
                    .real(t.errorSum), .integer(t.absError.n), .real(t.absError.s1), .real(t.absError.s2), .real(t.absError.s3),
                    .real(t.sqError.s2), .real(t.sqError.s3), .integer(t.pctError.n), .real(t.pctError.s1), .real(t.pctError.s2),
                    .real(t.pctError.s3), .integer(t.zeroActuals),
                ])
            try ins.run()
            try writeDetails(c, k, d)
        }
    }

    static func keyValues(_ k: RollupKey) -> [SQLiteValue] { [.integer(k.model), .text(k.env), .integer(k.version), .integer(k.hour)] }

    /// The confusion counts, converted scores and histogram of one key.
    func writeDetails(_ c: Connection, _ k: RollupKey, _ d: RollupData) throws {
        let key = Self.keyValues(k)
        for (actual, row) in d.confusion {
            for (predicted, n) in row {
                let ins = try c.statement(
                    """
                    INSERT INTO live_rollup_confusion (model_id, env, version, hour, actual, predicted, n) VALUES (?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT (model_id, env, version, hour, actual, predicted) DO UPDATE SET n = live_rollup_confusion.n + excluded.n
                    """)
                try ins.bind(key + [.text(actual), .text(predicted), .integer(n)])
                try ins.run()
            }
        }
        for (from, n) in d.converted {
            let ins = try c.statement(
                """
                INSERT INTO live_rollup_converted (model_id, env, version, hour, from_label, n) VALUES (?, ?, ?, ?, ?, ?)
                ON CONFLICT (model_id, env, version, hour, from_label) DO UPDATE SET n = live_rollup_converted.n + excluded.n
                """)
            try ins.bind(key + [.text(from), .integer(n)])
            try ins.run()
        }
        guard !d.histogram.isEmpty else { return }
        var h = d.histogram
        if let old = try c.queryOne(
            "SELECT histogram FROM live_rollup_scores WHERE model_id = ? AND env = ? AND version = ? AND hour = ?", key,
            { r -> [UInt8] in if case .blob(let b) = r[0] { return b } else { return [] } }),
            let decoded = ScoreHistogram(encoded: old)
        {
            h.add(decoded)
        }
        let ins = try c.statement(
            """
            INSERT INTO live_rollup_scores (model_id, env, version, hour, histogram) VALUES (?, ?, ?, ?, ?)
            ON CONFLICT (model_id, env, version, hour) DO UPDATE SET histogram = excluded.histogram
            """)
        try ins.bind(key + [.blob(h.encoded)])
        try ins.run()
    }
}

extension RollupData {
    /// Adds a labeled prediction (see `RollupBatch.addOutcome`).
    mutating func addOutcome(
        positive: String, label: String?, value: Double?, score: Double?, scoreLabel: String?, actual: String, actualValue: Double?
    ) {
        let actualPositive = RollupBatch.same(actual, positive)
        var s = score
        if let raw = score, let from = scoreLabel, !RollupBatch.same(from, positive) { s = 1 - raw }
        totals.addLabeled(
            correct: label.map { RollupBatch.same($0, actual) } ?? false, predictedPositive: RollupBatch.same(label, positive),
            actualPositive: actualPositive, value: value, score: s, actualValue: actualValue)
        if let label { confusion[actual, default: [:]][label, default: 0] += 1 }
        if let s { histogram.add(score: s, positive: actualPositive) }
    }
}
