import Foundation
import SQLiteKit
import TrackerAnalysis
import TrackerCore

/// A window's aggregates and rollup prediction count, read with other windows' (`prefetch`).
struct WindowPrefetch {
    var windows: LiveData
    var rollupPredictions: Int64
    /// Whether `windows` holds the raw predictions too (the window reads raw rows).
    var rawRead = false
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
        let useRaw = try usesRaw(state: state, plan: plan, positive: positive, settings: settings, source: source) {
            try prefetched?.rollupPredictions ?? rollupPredictions(c, modelID: modelID, env: env, hours: [plan.hours], version: version)[0]
        }
        if useRaw {
            if prefetched?.rawRead != true {
                var one = [d]
                try rawPredictions(
                    &one, c, modelID: modelID, env: env, windows: [(since, until)], positive: positive, version: version, settings: settings)
                d = one[0]
            }
            d.source = "raw"
        } else {
            try rollupData(&d, c, modelID: modelID, env: env, plan: plan, positive: positive, version: version, settings: settings)
            d.source = "rollup"
        }
        return d
    }

    /// Whether a window's prediction metrics come from raw rows: asked for, rollups unusable
    /// (counted for another positive label, or being rebuilt), or few enough to be read exactly.
    static func usesRaw(
        state: RollupState, plan: RollupPlan, positive: String, settings: LiveSettings, source: LiveDataSource,
        rollupPredictions: () throws -> Int64
    ) rethrows -> Bool {
        let usable = !state.rebuilding && (state.positive ?? settings.positiveLabel) == positive
        if source == .auto && usable && plan.rawComplete { return try rollupPredictions() <= LiveDataSource.exactLimit }
        return source == .raw || !usable
    }

    /// What `liveData` reads per window (`source` auto), read for each of `windows` at once: one
    /// statement each, not one per window (a round trip each on PostgreSQL).
    static func prefetch(
        _ c: Connection, modelID: Int64, env: String, windows: [(since: Int64, until: Int64)], version: Int?, state: RollupState,
        positive: String, settings: LiveSettings
    ) throws -> [WindowPrefetch] {
        let aggregated = try windowData(c, modelID: modelID, env: env, windows: windows, version: version)
        let plans = windows.map { RollupPlan(since: $0.since, until: $0.until, prunedBefore: state.prunedBefore) }
        let counts = try rollupPredictions(c, modelID: modelID, env: env, hours: plans.map(\.hours), version: version)
        var out = zip(aggregated, counts).map { WindowPrefetch(windows: $0, rollupPredictions: $1) }
        let raw = windows.indices.filter { i in
            usesRaw(state: state, plan: plans[i], positive: positive, settings: settings, source: .auto) { counts[i] }
        }
        var data = raw.map { out[$0].windows }
        try rawPredictions(
            &data, c, modelID: modelID, env: env, windows: raw.map { windows[$0] }, positive: positive, version: version, settings: settings)
        for (k, i) in raw.enumerated() { (out[i].windows, out[i].rawRead) = (data[k], true) }
        return out
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
        let values = valuesRows(windows, &args)
        for (i, v, metric, n, sum, sumSq, m2) in try c.query(
            """
            SELECT w.column1, l.version, l.metric, l.n, l.sum, l.sum_sq, l.m2
            FROM live_windows l JOIN \(values) ON l.start_time >= w.column2 AND l.start_time < w.column3
            WHERE l.model_id = ?1 AND l.env = ?2 AND (?3 IS NULL OR l.version = ?3)
            \(inWindowOrder(c, "l.start_time, l.id"))
            """, args,
            { ($0.int(0), $0.isNull(1) ? nil : $0.int(1), $0.string(2), $0.double(3), $0.double(4), $0.double(5), $0.double(6)) })
        {
            guard n > 0 else { continue }
            let proportion = abs(sumSq - sum) <= 1e-9 * max(1, abs(sum)) && sum >= 0 && sum <= n + 1e-9
            data[i].windows[v, default: [:]][metric, default: WindowTotals()].add(n: n, mean: sum / n, m2: m2, proportion: proportion)
        }
        return data
    }

    /// Predictions of each window row by row, into `ds` (one per window), in two statements for
    /// all of them: exact, and the scan grows with the windows. Rows are added in (time, id)
    /// order, the primary key's, as a window's own query gave them on SQLite.
    static func rawPredictions(
        _ ds: inout [LiveData], _ c: Connection, modelID: Int64, env: String, windows: [(since: Int64, until: Int64)], positive: String,
        version: Int?, settings: LiveSettings
    ) throws {
        guard !windows.isEmpty else { return }
        func fresh() -> PredictionAccumulator { PredictionAccumulator(positive: positive, task: settings.task, classes: settings.classes) }
        var args: [SQLiteValue] = [.integer(modelID), .text(env), version.map { .integer(Int64($0)) } ?? .null]
        let values = valuesRows(windows, &args)
        let keys = args  // what the confusion matrix's statement binds
        args.append(.text(positive))
        let pos = "?\(args.count)"
        // A score is the probability of the label that was positive when it was ingested; for
        // another positive label it is converted explicitly (1 − score, binary labels).
        let stmt = try c.statement(
            """
            SELECT w.column1, p.version, p.actual_label IS NOT NULL, p.label = p.actual_label, p.label = \(pos), p.actual_label = \(pos),
                   p.value, CASE WHEN p.score IS NULL OR coalesce(p.score_label, \(pos)) = \(pos) THEN p.score ELSE 1 - p.score END,
                   p.actual_value, p.score IS NOT NULL AND coalesce(p.score_label, \(pos)) <> \(pos), p.score_label
            FROM predictions p JOIN \(values) ON p.time >= w.column2 AND p.time < w.column3
            WHERE p.model_id = ?1 AND p.env = ?2 AND (?3 IS NULL OR p.version = ?3)
            \(inWindowOrder(c, "p.time, p.id"))
            """)
        try stmt.bind(args)
        defer { stmt.reset() }
        var current: (window: Int, version: Int?)?
        var acc = fresh()
        while try stmt.step() {
            let r = stmt.row
            let (i, v): (Int, Int?) = (r.int(0), r.isNull(1) ? nil : r.int(1))
            if current == nil || current!.window != i || current!.version != v {
                if let cur = current { ds[cur.window].predictions[cur.version] = acc }
                acc = ds[i].predictions[v] ?? fresh()
                current = (i, v)
            }
            acc.add(
                labeled: r.int64(2) == 1, correct: r.int64(3) == 1, predictedPositive: r.int64(4) == 1, actualPositive: r.int64(5) == 1,
                value: r.optionalDouble(6), score: r.optionalDouble(7), actualValue: r.optionalDouble(8))
            if r.int64(9) == 1, let from = r.optionalString(10) { ds[i].convertedScores[v, default: [:]][from, default: 0] += 1 }
        }
        if let cur = current { ds[cur.window].predictions[cur.version] = acc }
        try rawConfusion(&ds, c, values: values, args: keys)
    }

    /// Adds each window's labeled predictions to their version's confusion matrix (`values` and
    /// `args` as `rawPredictions` built them).
    static func rawConfusion(_ ds: inout [LiveData], _ c: Connection, values: String, args: [SQLiteValue]) throws {
        for (i, v, actual, predicted, count) in try c.query(
            """
            SELECT w.column1, p.version, p.actual_label, p.label, count(*)
            FROM predictions p JOIN \(values) ON p.time >= w.column2 AND p.time < w.column3
            WHERE p.model_id = ?1 AND p.env = ?2 AND (?3 IS NULL OR p.version = ?3)
              AND p.actual_label IS NOT NULL AND p.label IS NOT NULL
            GROUP BY w.column1, p.version, p.actual_label, p.label
            """,
            args, { ($0.int(0), $0.isNull(1) ? nil : $0.int(1), $0.string(2), $0.string(3), $0.int(4)) })
        {
            ds[i].predictions[v]?.addConfusion(actual: actual, predicted: predicted, count: count)
        }
    }

    /// `ORDER BY` window then `keys` on PostgreSQL. None on SQLite: its plan for these joins
    /// (the VALUES rows in order, then an index range per window) yields that order already, and
    /// sorting again made the gap page 12% slower.
    static func inWindowOrder(_ c: Connection, _ keys: String) -> String {
        c.dialect.pick(sqlite: "", postgres: "ORDER BY w.column1, \(keys)")
    }

    /// `(VALUES (0, ?a, ?b), …) AS w`: windows as rows (index, since, until) to join on, their
    /// bounds appended to `args`. VALUES columns are column1… on both SQLite and PostgreSQL; the
    /// casts type the parameters for PostgreSQL.
    static func valuesRows(_ windows: [(since: Int64, until: Int64)], _ args: inout [SQLiteValue]) -> String {
        var rows: [String] = []
        for (i, w) in windows.enumerated() {
            rows.append("(\(i), CAST(?\(args.count + 1) AS BIGINT), CAST(?\(args.count + 2) AS BIGINT))")
            args += [.integer(w.since), .integer(w.until)]
        }
        return "(VALUES \(rows.joined(separator: ", "))) AS w"
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
