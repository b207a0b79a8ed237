import Foundation
import SQLiteKit
import TrackerCore

extension Store {
    /// Live data of a (model, env) in [since, until), per attributed version (nil = unattributed).
    struct LiveData {
        var windows: [Int?: [String: WindowTotals]] = [:]
        var predictions: [Int?: PredictionAccumulator] = [:]
        var versions: Set<Int?> { Set(windows.keys).union(predictions.keys) }
    }

    static func liveData(_ c: Connection, modelID: Int64, env: String, since: Int64, until: Int64, positive: String, version: Int? = nil)
        throws -> LiveData
    {
        var d = LiveData()
        let vArg: SQLiteValue = version.map { .integer(Int64($0)) } ?? .null
        for (v, metric, n, sum, sumSq) in try c.query(
            """
            SELECT version, metric, n, sum, sum_sq FROM live_windows
            WHERE model_id = ? AND env = ? AND start_time >= ? AND start_time < ? AND (?5 IS NULL OR version = ?5)
            """,
            [.integer(modelID), .text(env), .integer(since), .integer(until), vArg],
            { ($0.isNull(0) ? nil : $0.int(0), $0.string(1), $0.double(2), $0.double(3), $0.double(4)) })
        {
            d.windows[v, default: [:]][metric, default: WindowTotals()].add(n: n, sum: sum, sumSq: sumSq)
        }
        let stmt = try c.cached(
            """
            SELECT version, actual_label IS NOT NULL, label = actual_label, label = ?6, actual_label = ?6, value, score, actual_value
            FROM predictions
            WHERE model_id = ?1 AND env = ?2 AND time >= ?3 AND time < ?4 AND (?5 IS NULL OR version = ?5)
            """)
        try stmt.bind([.integer(modelID), .text(env), .integer(since), .integer(until), vArg, .text(positive)])
        defer { stmt.reset() }
        var current: Int?? = .none
        var acc = PredictionAccumulator(positive: positive)
        while try stmt.step() {
            let r = stmt.row
            let v: Int? = r.isNull(0) ? nil : r.int(0)
            if current == nil || current! != v {
                if let cur = current { d.predictions[cur] = acc }
                acc = d.predictions[v] ?? PredictionAccumulator(positive: positive)
                current = .some(v)
            }
            acc.add(
                labeled: r.int64(1) == 1, correct: r.int64(2) == 1, predictedPositive: r.int64(3) == 1, actualPositive: r.int64(4) == 1,
                value: r.optionalDouble(5), score: r.optionalDouble(6), actualValue: r.optionalDouble(7))
        }
        if let cur = current { d.predictions[cur] = acc }
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
    public func gap(model: String, env: String, options o: GapOptions) throws -> GapReport {
        try db.read { c in
            let m = try Store.modelRow(c, model)
            let positive =
                try o.positiveLabel ?? c.queryOne(
                    "SELECT positive_label FROM live_settings WHERE model_id = ?", [.integer(m.id)], { $0.string(0) }) ?? "1"
            let data = try Store.liveData(
                c, modelID: m.id, env: env, since: o.since, until: o.until, positive: positive, version: o.version)
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
                let rows = Store.estimates(data, v).map { e -> GapRow in
                    let off = v == nil ? nil : offlineNames(for: e.metric).lazy.compactMap { offline[$0] }.first
                    let dir = o.direction(e.metric)
                    let gap = off.map { e.value - $0.0 }
                    let rel = off.flatMap { $0.0 != 0 ? (e.value - $0.0) / abs($0.0) : nil }
                    let verdict = Verdict.decide(
                        offline: off?.0, live: e.value, interval: e.interval, n: e.n, minN: o.minN, direction: dir, tolerance: o.tolerance)
                    return GapRow(
                        metric: e.metric, offline: off?.0, offlineSource: off?.1, live: e, gap: gap, relativeGap: rel, direction: dir,
                        verdict: verdict)
                }
                let acc = data.predictions[v]
                var incumbent: IncumbentFigures?
                var since: Int64?
                if let v {
                    since =
                        attribution.intervals.first { $0.version == v && $0.start < o.until && ($0.end == nil || $0.end! > o.since) }?.start
                    // The version live before this one's first deployment in the window.
                    if let idx = attribution.intervals.firstIndex(where: { $0.version == v && $0.start == since }), idx > 0 {
                        let prev = attribution.intervals[idx - 1].version
                        if prev != v {
                            var est = Store.estimates(data, prev)
                            var scope = "window"
                            if est.isEmpty {
                                let all = try Store.liveData(
                                    c, modelID: m.id, env: env, since: .min, until: .max, positive: positive, version: prev)
                                est = Store.estimates(all, prev)
                                scope = "all time"
                            }
                            if !est.isEmpty { incumbent = IncumbentFigures(version: prev, estimates: est, scope: scope) }
                        }
                    }
                }
                return VersionGap(
                    version: v, liveSince: since, rows: rows, predictions: acc?.predictions ?? 0, labeled: acc?.labeled ?? 0,
                    incumbent: incumbent)
            }
            let list = try versions.sorted().map { try build($0) }
            let unattributed = data.versions.contains(nil) && o.version == nil ? try build(nil) : nil
            return GapReport(model: model, env: env, since: o.since, until: o.until, versions: list, unattributed: unattributed)
        }
    }
}
