import Foundation
import SQLiteKit
import TrackerCore

extension Store {
    /// Live data of a (model, env) in [since, until), per attributed version (nil = unattributed).
    struct LiveData {
        var windows: [Int?: [String: WindowTotals]] = [:]
        var predictions: [Int?: PredictionAccumulator] = [:]
        /// Scores converted to the query's positive label: count per label they were ingested for.
        var convertedScores: [Int?: [String: Int]] = [:]
        var versions: Set<Int?> { Set(windows.keys).union(predictions.keys) }
    }

    static func liveData(
        _ c: Connection, modelID: Int64, env: String, since: Int64, until: Int64, positive: String, version: Int? = nil,
        settings: LiveSettings = LiveSettings()
    ) throws -> LiveData {
        var d = LiveData()
        let vArg: SQLiteValue = version.map { .integer(Int64($0)) } ?? .null
        for (v, metric, n, sum, sumSq, m2) in try c.query(
            """
            SELECT version, metric, n, sum, sum_sq, m2 FROM live_windows
            WHERE model_id = ? AND env = ? AND start_time >= ? AND start_time < ? AND (?5 IS NULL OR version = ?5)
            """,
            [.integer(modelID), .text(env), .integer(since), .integer(until), vArg],
            { ($0.isNull(0) ? nil : $0.int(0), $0.string(1), $0.double(2), $0.double(3), $0.double(4), $0.double(5)) })
        {
            guard n > 0 else { continue }
            let proportion = abs(sumSq - sum) <= 1e-9 * max(1, abs(sum)) && sum >= 0 && sum <= n + 1e-9
            d.windows[v, default: [:]][metric, default: WindowTotals()].add(n: n, mean: sum / n, m2: m2, proportion: proportion)
        }
        func fresh() -> PredictionAccumulator { PredictionAccumulator(positive: positive, task: settings.task, classes: settings.classes) }
        // A score is the probability of the label that was positive when it was ingested; for
        // another positive label it is converted explicitly (1 − score, binary labels).
        let stmt = try c.cached(
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
        return d
    }

    static func estimates(_ d: LiveData, _ v: Int?) -> [LiveEstimate] {
        var out: [LiveEstimate] = []
        for (metric, totals) in (d.windows[v] ?? [:]).sorted(by: { $0.key < $1.key }) {
            if let e = totals.estimate(metric: metric) { out.append(e) }
        }
        let fromPredictions = d.predictions[v]?.estimates() ?? []
        // A metric reported both ways: the windows (what production computed) come first.
        for e in fromPredictions where !out.contains(where: { $0.metric == e.metric }) { out.append(e) }
        return out
    }

    /// The gap between offline and live metrics of `model` in `env`, per version live in the window.
    public func gap(model: String, env: String, options: GapOptions) throws -> GapReport {
        try db.read { c in
            let m = try Store.modelRow(c, model)
            let settings = try Store.liveSettings(c, modelID: m.id)
            var o = options
            o.configuredDirections = settings.directions
            let positive = o.positiveLabel ?? settings.positiveLabel
            let data = try Store.liveData(
                c, modelID: m.id, env: env, since: o.since, until: o.until, positive: positive, version: o.version, settings: settings)
            let attribution = try Store.attribution(c, modelID: m.id, env: env)
            // Versions with data, plus whatever was live during the window (it may have no data).
            var versions = Set(data.versions.compactMap { $0 })
            for i in attribution.intervals where i.start < o.until && (i.end == nil || i.end! > o.since) { versions.insert(i.version) }
            if let only = o.version { versions = versions.filter { $0 == only } }
            func build(_ v: Int?) throws -> VersionGap {
                var offline: [String: (Double, String)] = [:]
                if let v,
                    let vid = try c.queryOne(
                        "SELECT id FROM model_versions WHERE model_id = ? AND version = ?", [.integer(m.id), .integer(Int64(v))],
                        { $0.int64(0) })
                {
                    for r in try Store.offlineMetrics(c, versionID: vid) where offline[r.key] == nil {
                        offline[r.key] = (r.value, r.dataset.isEmpty ? "registration" : r.dataset)
                    }
                }
                let rows = Store.estimates(data, v).map { e in
                    Store.row(e, offline: v == nil ? nil : offlineNames(for: e.metric).lazy.compactMap { offline[$0] }.first, o)
                }
                let acc = data.predictions[v]
                let spans = attribution.intervals.filter { $0.version == v && $0.start < o.until && ($0.end == nil || $0.end! > o.since) }
                let since = spans.first?.start
                var incumbent: IncumbentFigures?
                // The version live before this one's first deployment in the window.
                if v != nil, let idx = attribution.intervals.firstIndex(where: { $0.version == v && $0.start == since }), idx > 0 {
                    let prev = attribution.intervals[idx - 1].version
                    if prev != v {
                        var est = Store.estimates(data, prev)
                        var scope = "window"
                        if est.isEmpty {
                            let all = try Store.liveData(
                                c, modelID: m.id, env: env, since: .min, until: .max, positive: positive, version: prev, settings: settings)
                            est = Store.estimates(all, prev)
                            scope = "all time"
                        }
                        if !est.isEmpty { incumbent = IncumbentFigures(version: prev, estimates: est, scope: scope) }
                    }
                }
                var g = VersionGap(
                    version: v, liveSince: since, rows: rows, predictions: acc?.predictions ?? 0, labeled: acc?.labeled ?? 0,
                    incumbent: incumbent)
                g.liveSpans = spans.map { LiveSpan(start: $0.start, end: $0.end) }
                if let acc, acc.labeled > 0 { g.task = acc.task }
                g.notes =
                    (acc?.notes ?? [])
                    + (data.convertedScores[v] ?? [:]).sorted { $0.key < $1.key }.map { label, count in
                        "\(count) score\(count == 1 ? " was" : "s were") ingested as P('\(label)'); converted to P('\(positive)') = 1 − score"
                    }
                return g
            }
            let list = try versions.sorted().map { try build($0) }
            let unattributed = data.versions.contains(nil) && o.version == nil ? try build(nil) : nil
            return GapReport(model: model, env: env, since: o.since, until: o.until, versions: list, unattributed: unattributed)
        }
    }

    /// One metric's row: gap, relative gap, direction and verdict.
    static func row(_ e: LiveEstimate, offline off: (Double, String)?, _ o: GapOptions) -> GapRow {
        let (dir, source) = o.direction(e.metric)
        let gap = off.map { e.value - $0.0 }
        let rel = off.flatMap { $0.0 != 0 ? (e.value - $0.0) / abs($0.0) : nil }
        let verdict = Verdict.decide(
            offline: off?.0, live: e.value, interval: e.interval, n: e.n, minN: o.minN, direction: dir, tolerance: o.tolerance)
        return GapRow(
            metric: e.metric, offline: off?.0, offlineSource: off?.1, live: e, gap: gap, relativeGap: rel, direction: dir,
            directionSource: source, verdict: verdict, tolerance: o.tolerance)
    }
}
