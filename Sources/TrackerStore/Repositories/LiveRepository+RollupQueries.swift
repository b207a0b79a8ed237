import Foundation
import SQLiteKit
import TrackerAnalysis
import TrackerCore

/// How a window [since, until) splits into whole hours (rollups) and partial hours at its
/// edges (raw rows). Where raw rows were pruned, an edge hour counts when it starts in the window.
struct RollupPlan {
    /// Whole hours read from the rollups.
    var hours: Range<Int64>
    /// Partial-hour time ranges read from raw rows.
    var edges: [(from: Int64, to: Int64)] = []
    /// Whether every raw row of the window is still stored.
    let rawComplete: Bool

    init(since: Int64, until: Int64, prunedBefore: Int64?) {
        let h = RollupKey.hourMillis
        // Open-ended windows (all time) are clamped so hour arithmetic cannot overflow.
        let (s, u) = (max(since, -(1 << 60)), min(until, 1 << 60))
        let lo = -RollupKey.hour(-s)
        let hi = RollupKey.hour(u)
        rawComplete = s >= u || (prunedBefore.map { RollupKey.hour(s) >= $0 } ?? true)
        guard s < u else {
            hours = lo..<lo
            return
        }
        hours = lo..<max(lo, hi)
        let candidates = lo > hi ? [(s, u)] : [(s, lo * h), (hi * h, u)]
        for (from, to) in candidates where from < to {
            let hour = RollupKey.hour(from)
            if let p = prunedBefore, hour < p {
                // Pruned: the raw rows are gone; the tail hour starts in the window, so it counts.
                if from == hour * h { hours = hours.lowerBound..<max(hours.upperBound, hour + 1) }
                continue
            }
            edges.append((from, to))
        }
    }
}

extension LiveRepository {
    /// Predictions in the rollups of each of `hours` (for choosing raw or rollups), in one statement.
    static func rollupPredictions(_ c: Connection, modelID: Int64, env: String, hours: [Range<Int64>], version: Int?) throws -> [Int64] {
        guard !hours.isEmpty else { return [] }
        var args: [SQLiteValue] = [.integer(modelID), .text(env), version.map { .integer(Int64($0)) } ?? .null]
        var rows: [String] = []
        for (i, h) in hours.enumerated() {
            rows.append("(\(i), CAST(?\(args.count + 1) AS BIGINT), CAST(?\(args.count + 2) AS BIGINT))")
            args += [.integer(h.lowerBound), .integer(h.upperBound)]
        }
        var counts = [Int64](repeating: 0, count: hours.count)
        // VALUES columns are column1… on both SQLite and PostgreSQL.
        for (i, n) in try c.query(
            """
            SELECT w.column1, coalesce(sum(r.predictions), 0) FROM (VALUES \(rows.joined(separator: ", "))) AS w
            LEFT JOIN live_rollups r ON r.model_id = ?1 AND r.env = ?2 AND r.hour >= w.column2 AND r.hour < w.column3
              AND (?3 IS NULL OR r.version = ?3)
            GROUP BY w.column1
            """, args, { ($0.int(0), $0.int64(1)) })
        {
            counts[i] = n
        }
        return counts
    }

    /// Prediction metrics of a window from its whole hours' rollups and its edges' raw rows.
    static func rollupData(
        _ d: inout LiveData, _ c: Connection, modelID: Int64, env: String, plan: RollupPlan, positive: String, version: Int?,
        settings: LiveSettings
    ) throws {
        var parts = try rollupParts(c, modelID: modelID, env: env, hours: plan.hours, version: version)
        for edge in plan.edges {
            let batch = try rawBatch(c, modelID: modelID, env: env, from: edge.from, to: edge.to, positive: positive, version: version)
            for (k, part) in batch.data { parts[k.version, default: RollupData()].add(part) }
        }
        for (v, part) in parts {
            let version: Int? = v == 0 ? nil : Int(v)
            d.predictions[version] = PredictionAccumulator(positive: positive, task: settings.task, classes: settings.classes, rollup: part)
            if !part.converted.isEmpty { d.convertedScores[version] = part.converted.mapValues(Int.init) }
        }
    }

    /// The rollups of `hours`, summed per version (0 = unattributed).
    static func rollupParts(_ c: Connection, modelID: Int64, env: String, hours: Range<Int64>, version: Int?) throws -> [Int64: RollupData] {
        var parts: [Int64: RollupData] = [:]
        guard !hours.isEmpty else { return parts }
        let args: [SQLiteValue] = [
            .integer(modelID), .text(env), .integer(hours.lowerBound), .integer(hours.upperBound), version.map { .integer(Int64($0)) } ?? .null,
        ]
        let filter = "WHERE model_id = ?1 AND env = ?2 AND hour >= ?3 AND hour < ?4 AND (?5 IS NULL OR version = ?5)"
        for (v, t) in try c.query(
            """
            SELECT version, sum(predictions), sum(labeled), sum(correct), sum(tp), sum(fp), sum(fn), sum(non_integral),
                   sum(ll_n), sum(ll_s1), sum(ll_s2), sum(ll_s3), sum(err_sum), sum(abs_n), sum(abs_s1), sum(abs_s2), sum(abs_s3),
                   sum(sq_s2), sum(sq_s3), sum(pct_n), sum(pct_s1), sum(pct_s2), sum(pct_s3), sum(zero_actuals)
            FROM live_rollups \(filter) GROUP BY version
            """, args, { r in (r.int64(0), Self.totals(r)) })
        {
            parts[v, default: RollupData()].totals = t
        }
        for (v, actual, predicted, n) in try c.query(
            "SELECT version, actual, predicted, sum(n) FROM live_rollup_confusion \(filter) GROUP BY version, actual, predicted", args,
            { ($0.int64(0), $0.string(1), $0.string(2), $0.int64(3)) })
        {
            parts[v, default: RollupData()].confusion[actual, default: [:]][predicted, default: 0] += n
        }
        for (v, from, n) in try c.query(
            "SELECT version, from_label, sum(n) FROM live_rollup_converted \(filter) GROUP BY version, from_label", args,
            { ($0.int64(0), $0.string(1), $0.int64(2)) })
        {
            parts[v, default: RollupData()].converted[from, default: 0] += n
        }
        try addHistograms(&parts, c, filter: filter, args: args)
        return parts
    }

    /// Merges the score histograms of the rollups `filter` selects into their version's part.
    static func addHistograms(_ parts: inout [Int64: RollupData], _ c: Connection, filter: String, args: [SQLiteValue]) throws {
        for (v, bytes) in try c.query(
            "SELECT version, histogram FROM live_rollup_scores \(filter)", args,
            { r -> (Int64, [UInt8]) in
                if case .blob(let b) = r[1] { return (r.int64(0), b) }
                return (r.int64(0), [])
            })
        {
            guard let h = ScoreHistogram(encoded: bytes) else {
                throw TrackerError(.storage, "a score histogram of live_rollup_scores is damaged; run 'tracker live rebuild-rollups'")
            }
            parts[v, default: RollupData()].histogram.add(h)
        }
    }

    /// Decodes the summed columns 1… of a rollup query.
    static func totals(_ r: Row) -> RollupTotals {
        var t = RollupTotals()
        (t.predictions, t.labeled, t.correct, t.tp, t.fp, t.fn, t.nonIntegral) = (
            r.int64(1), r.int64(2), r.int64(3), r.int64(4), r.int64(5), r.int64(6), r.int64(7)
        )
        t.logLoss = PowerSums(n: r.int64(8), s1: r.double(9), s2: r.double(10), s3: r.double(11))
        t.errorSum = r.double(12)
        t.absError = PowerSums(n: r.int64(13), s1: r.double(14), s2: r.double(15), s3: r.double(16))
        t.sqError = PowerSums(n: r.int64(13), s1: r.double(15), s2: r.double(17), s3: r.double(18))
        t.pctError = PowerSums(n: r.int64(19), s1: r.double(20), s2: r.double(21), s3: r.double(22))
        t.zeroActuals = r.int64(23)
        return t
    }

    /// The rollup contributions of the raw predictions of [from, to), keyed by version and hour.
    static func rawBatch(
        _ c: Connection, modelID: Int64, env: String, from: Int64, to: Int64, positive: String, version: Int?
    ) throws -> RollupBatch {
        var batch = RollupBatch()
        let stmt = try c.statement(
            """
            SELECT version, time, label, value, score, score_label, actual_label, actual_value FROM predictions
            WHERE model_id = ?1 AND env = ?2 AND time >= ?3 AND time < ?4 AND (?5 IS NULL OR version = ?5)
            """)
        try stmt.bind([.integer(modelID), .text(env), .integer(from), .integer(to), version.map { .integer(Int64($0)) } ?? .null])
        defer { stmt.reset() }
        while try stmt.step() {
            let r = stmt.row
            batch.add(
                RollupKey(model: modelID, env: env, version: r.optionalInt64(0) ?? 0, hour: RollupKey.hour(r.int64(1))), positive: positive,
                label: r.optionalString(2), value: r.optionalDouble(3), score: r.optionalDouble(4), scoreLabel: r.optionalString(5),
                actualLabel: r.optionalString(6), actualValue: r.optionalDouble(7))
        }
        return batch
    }
}

extension RollupBatch {
    /// Adds a stored prediction with whatever outcome is joined onto it.
    mutating func add(
        _ key: RollupKey, positive: String, label: String?, value: Double?, score: Double?, scoreLabel: String?, actualLabel: String?,
        actualValue: Double?
    ) {
        addPrediction(key, positive: positive, score: score, scoreLabel: scoreLabel)
        addOutcome(
            key, positive: positive, label: label, value: value, score: score, scoreLabel: scoreLabel, actualLabel: actualLabel,
            actualValue: actualValue)
    }
}

extension RollupData {
    /// Adds another part's totals, counts and histogram.
    mutating func add(_ o: RollupData) {
        totals.add(o.totals)
        for (a, row) in o.confusion { for (p, n) in row { confusion[a, default: [:]][p, default: 0] += n } }
        histogram.add(o.histogram)
        for (l, n) in o.converted { converted[l, default: 0] += n }
    }
}
