import Foundation
import SQLiteKit
import TrackerAnalysis
import TrackerCore

/// A window's aggregates and rollup prediction count, read with other windows' (`prefetch`).
struct WindowPrefetch {
    var windows: LiveData
    var rollupPredictions: Int64
}

extension LiveRepository {
    /// Live data of a (model, env) in [since, until), per attributed version (nil = unattributed):
    /// windows, and predictions from the rollups or, where exactness needs them and they are
    /// still stored, from the raw rows (`LiveDataSource`).
    static func liveData(
        _ c: Connection, modelID: Int64, env: String, since: Int64, until: Int64, positive: String, version: Int? = nil,
        settings: LiveSettings = LiveSettings(), source: LiveDataSource = .auto, state: RollupState? = nil, prefetched: WindowPrefetch? = nil
    ) throws -> LiveData {
        // `state` and `prefetched` are passed when the caller read them for several windows at once.
        var d = try prefetched?.windows ?? windowData(c, modelID: modelID, env: env, windows: [(since, until)], version: version)[0]
        let state = try state ?? RollupState.load(c, modelID: modelID)
        let plan = RollupPlan(since: since, until: until, prunedBefore: state.prunedBefore)
        // Rollups count for one positive label and are not whole while they are rebuilt.
        let usable = !state.rebuilding && (state.positive ?? settings.positiveLabel) == positive
        var useRaw = source == .raw || !usable
        if source == .auto && usable && plan.rawComplete {
            let n = try prefetched?.rollupPredictions ?? rollupPredictions(c, modelID: modelID, env: env, hours: [plan.hours], version: version)[0]
            useRaw = n <= LiveDataSource.exactLimit
        }
        if useRaw {
            try rawPredictions(&d, c, modelID: modelID, env: env, since: since, until: until, positive: positive, version: version, settings: settings)
            d.source = "raw"
        } else {
            try rollupData(&d, c, modelID: modelID, env: env, plan: plan, positive: positive, version: version, settings: settings)
            d.source = "rollup"
        }
        return d
    }

    /// What `liveData` reads per window, read for each of `windows` at once (one statement each,
    /// not one per window: a round trip each on PostgreSQL).
    static func prefetch(
        _ c: Connection, modelID: Int64, env: String, windows: [(since: Int64, until: Int64)], version: Int?, state: RollupState
    ) throws -> [WindowPrefetch] {
        let aggregated = try windowData(c, modelID: modelID, env: env, windows: windows, version: version)
        let hours = windows.map { RollupPlan(since: $0.since, until: $0.until, prunedBefore: state.prunedBefore).hours }
        let counts = try rollupPredictions(c, modelID: modelID, env: env, hours: hours, version: version)
        return zip(aggregated, counts).map { WindowPrefetch(windows: $0, rollupPredictions: $1) }
    }

    /// The aggregated windows of a (model, env) starting in each [since, until), in one statement
    /// (a page's daily windows were one round trip each on PostgreSQL). Rows are added in
    /// (start_time, id) order: the order SQLite's index scan gave when each window was its own query.
    static func windowData(
        _ c: Connection, modelID: Int64, env: String, windows: [(since: Int64, until: Int64)], version: Int?
    ) throws -> [LiveData] {
        guard !windows.isEmpty else { return [] }
        var data = [LiveData](repeating: LiveData(), count: windows.count)
        var args: [SQLiteValue] = [.integer(modelID), .text(env), version.map { .integer(Int64($0)) } ?? .null]
        var rows: [String] = []
        for (i, w) in windows.enumerated() {
            rows.append("(\(i), CAST(?\(args.count + 1) AS BIGINT), CAST(?\(args.count + 2) AS BIGINT))")
            args += [.integer(w.since), .integer(w.until)]
        }
        // VALUES columns are column1… on both SQLite and PostgreSQL.
        for (i, v, metric, n, sum, sumSq, m2) in try c.query(
            """
            SELECT w.column1, l.version, l.metric, l.n, l.sum, l.sum_sq, l.m2
            FROM live_windows l JOIN (VALUES \(rows.joined(separator: ", "))) AS w
              ON l.start_time >= w.column2 AND l.start_time < w.column3
            WHERE l.model_id = ?1 AND l.env = ?2 AND (?3 IS NULL OR l.version = ?3)
            ORDER BY w.column1, l.start_time, l.id
            """, args,
            { ($0.int(0), $0.isNull(1) ? nil : $0.int(1), $0.string(2), $0.double(3), $0.double(4), $0.double(5), $0.double(6)) })
        {
            guard n > 0 else { continue }
            let proportion = abs(sumSq - sum) <= 1e-9 * max(1, abs(sum)) && sum >= 0 && sum <= n + 1e-9
            data[i].windows[v, default: [:]][metric, default: WindowTotals()].add(n: n, mean: sum / n, m2: m2, proportion: proportion)
        }
        return data
    }

    /// Predictions of [since, until) row by row: exact, and the scan grows with the window.
    static func rawPredictions(
        _ d: inout LiveData, _ c: Connection, modelID: Int64, env: String, since: Int64, until: Int64, positive: String, version: Int?,
        settings: LiveSettings
    ) throws {
        let vArg: SQLiteValue = version.map { .integer(Int64($0)) } ?? .null
        func fresh() -> PredictionAccumulator { PredictionAccumulator(positive: positive, task: settings.task, classes: settings.classes) }
        // A score is the probability of the label that was positive when it was ingested; for
        // another positive label it is converted explicitly (1 − score, binary labels).
        let stmt = try c.statement(
            """
            SELECT version, actual_label IS NOT NULL, label = actual_label, label = ?6, actual_label = ?6, value,
                   CASE WHEN score IS NULL OR coalesce(score_label, ?6) = ?6 THEN score ELSE 1 - score END, actual_value,
                   score IS NOT NULL AND coalesce(score_label, ?6) <> ?6, score_label
            FROM predictions
            WHERE model_id = ?1 AND env = ?2 AND time >= ?3 AND time < ?4 AND (?5 IS NULL OR version = ?5)
            """)
        try stmt.bind([.integer(modelID), .text(env), .integer(since), .integer(until), vArg, .text(positive)])
        defer { stmt.reset() }
        var current: Int?? = .none
        var acc = fresh()
        while try stmt.step() {
            let r = stmt.row
            let v: Int? = r.isNull(0) ? nil : r.int(0)
            if current == nil || current! != v {
                if let cur = current { d.predictions[cur] = acc }
                acc = d.predictions[v] ?? fresh()
                current = .some(v)
            }
            acc.add(
                labeled: r.int64(1) == 1, correct: r.int64(2) == 1, predictedPositive: r.int64(3) == 1, actualPositive: r.int64(4) == 1,
                value: r.optionalDouble(5), score: r.optionalDouble(6), actualValue: r.optionalDouble(7))
            if r.int64(8) == 1, let from = r.optionalString(9) { d.convertedScores[v, default: [:]][from, default: 0] += 1 }
        }
        if let cur = current { d.predictions[cur] = acc }
        try rawConfusion(&d, c, modelID: modelID, env: env, since: since, until: until, version: vArg)
    }

    /// Adds the labeled predictions of [since, until) to their version's confusion matrix.
    static func rawConfusion(
        _ d: inout LiveData, _ c: Connection, modelID: Int64, env: String, since: Int64, until: Int64, version vArg: SQLiteValue
    ) throws {
        for (v, actual, predicted, count) in try c.query(
            """
            SELECT version, actual_label, label, count(*) FROM predictions
            WHERE model_id = ?1 AND env = ?2 AND time >= ?3 AND time < ?4 AND (?5 IS NULL OR version = ?5)
              AND actual_label IS NOT NULL AND label IS NOT NULL
            GROUP BY version, actual_label, label
            """,
            [.integer(modelID), .text(env), .integer(since), .integer(until), vArg],
            { ($0.isNull(0) ? nil : $0.int(0), $0.string(1), $0.string(2), $0.int(3)) })
        {
            d.predictions[v]?.addConfusion(actual: actual, predicted: predicted, count: count)
        }
    }

    /// The gap between offline and live metrics of `model` in `env`, per version live in the window.
    public func gap(model: String, env: String, options: GapOptions) throws -> GapReport {
        try db.read { c in try GapAnalysis.report(try LiveRepository.gapInputs(c, model: model, env: env, options: options)) }
    }

    /// What the gap analysis reads for `model` in `env`; the lookups run on `c`.
    static func gapInputs(_ c: Connection, model: String, env: String, options: GapOptions) throws -> GapInputs {
        let m = try RegistryRepository.modelRow(c, model)
        let settings = try LiveRepository.liveSettings(c, modelID: m.id)
        var o = options
        o.configuredDirections = settings.directions
        let positive = o.positiveLabel ?? settings.positiveLabel
        let state = try RollupState.load(c, modelID: m.id)  // read once, in this one snapshot
        let data = try LiveRepository.liveData(
            c, modelID: m.id, env: env, since: o.since, until: o.until, positive: positive, version: o.version, settings: settings,
            source: o.source, state: state)
        return GapInputs(
            model: model, env: env, options: o, positive: positive, data: data, attribution: try LiveRepository.attribution(c, modelID: m.id, env: env),
            offline: { v in try LiveRepository.offlineFigures(c, modelID: m.id, version: v) },
            allTime: { v in
                try LiveRepository.liveData(
                    c, modelID: m.id, env: env, since: .min, until: .max, positive: positive, version: v, settings: settings, source: o.source,
                    state: state)
            })
    }

    /// A version's offline metrics (first of each name): value and dataset ("registration" when none).
    static func offlineFigures(_ c: Connection, modelID: Int64, version v: Int) throws -> [String: (value: Double, source: String)] {
        var offline: [String: (value: Double, source: String)] = [:]
        if let vid = try c.queryOne(
            "SELECT id FROM model_versions WHERE model_id = ? AND version = ?", [.integer(modelID), .integer(Int64(v))], { $0.int64(0) })
        {
            for r in try RegistryRepository.offlineMetrics(c, versionID: vid) where offline[r.key] == nil {
                offline[r.key] = (r.value, r.dataset.isEmpty ? "registration" : r.dataset)
            }
        }
        return offline
    }
}

// MARK: - Store façade: one-line forwards, so call sites stay as they are.

extension Store {
    public func gap(model: String, env: String, options: GapOptions) throws -> GapReport { try live.gap(model: model, env: env, options: options) }
}
