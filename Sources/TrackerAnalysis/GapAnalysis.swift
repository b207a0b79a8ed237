import TrackerCore

/// What `GapAnalysis.report` reads: the window's live data, the deployment intervals and the
/// lookups it makes only when needed (so the store reads no more than before).
public struct GapInputs {
    /// The model and environment reported.
    public var model: String
    public var env: String
    /// The window and judgement, with the model's configured directions filled in.
    public var options: GapOptions
    /// The label scores are the probability of.
    public var positive: String
    /// Live data in [options.since, options.until).
    public var data: LiveData
    /// Every deployment interval of (model, env).
    public var attribution: Attribution
    /// A version's offline metrics: name → (value, where it came from).
    public var offline: (Int) throws -> [String: (value: Double, source: String)]
    /// All of a version's live data (for an incumbent silent in the window).
    public var allTime: (Int) throws -> LiveData

    /// Inputs as the store loads them.
    public init(
        model: String, env: String, options: GapOptions, positive: String, data: LiveData, attribution: Attribution,
        offline: @escaping (Int) throws -> [String: (value: Double, source: String)], allTime: @escaping (Int) throws -> LiveData
    ) {
        self.model = model
        self.env = env
        self.options = options
        self.positive = positive
        self.data = data
        self.attribution = attribution
        self.offline = offline
        self.allTime = allTime
    }
}

/// The gap between offline and live metrics: estimates, verdicts and the incumbent comparison.
public enum GapAnalysis {
    /// The gap of every version live in the window (plus unattributed data), oldest version first.
    public static func report(_ i: GapInputs) throws -> GapReport {
        let o = i.options
        // Versions with data, plus whatever was live during the window (it may have no data).
        var versions = Set(i.data.versions.compactMap { $0 })
        for s in i.attribution.intervals where s.start < o.until && (s.end == nil || s.end! > o.since) { versions.insert(s.version) }
        if let only = o.version { versions = versions.filter { $0 == only } }
        let list = try versions.sorted().map { try versionGap(i, $0) }
        let unattributed = i.data.versions.contains(nil) && o.version == nil ? try versionGap(i, nil) : nil
        return GapReport(model: i.model, env: i.env, since: o.since, until: o.until, versions: list, unattributed: unattributed)
    }

    /// Live estimates of version `v`: windows first (what production computed), then predictions.
    public static func estimates(_ d: LiveData, _ v: Int?) -> [LiveEstimate] {
        var out: [LiveEstimate] = []
        for (metric, totals) in (d.windows[v] ?? [:]).sorted(by: { $0.key < $1.key }) {
            if let e = totals.estimate(metric: metric) { out.append(e) }
        }
        let fromPredictions = d.predictions[v]?.estimates() ?? []
        // A metric reported both ways: the windows (what production computed) come first.
        for e in fromPredictions where !out.contains(where: { $0.metric == e.metric }) { out.append(e) }
        return out
    }

    /// One version's rows, spans, incumbent and notes.
    static func versionGap(_ i: GapInputs, _ v: Int?) throws -> VersionGap {
        let o = i.options
        var offline: [String: (value: Double, source: String)] = [:]
        if let v { offline = try i.offline(v) }
        let rows = estimates(i.data, v).map { e in
            row(e, offline: v == nil ? nil : offlineNames(for: e.metric).lazy.compactMap { offline[$0] }.first, o)
        }
        let acc = i.data.predictions[v]
        let spans = i.attribution.intervals.filter { $0.version == v && $0.start < o.until && ($0.end == nil || $0.end! > o.since) }
        var g = VersionGap(
            version: v, liveSince: spans.first?.start, rows: rows, predictions: acc?.predictions ?? 0, labeled: acc?.labeled ?? 0,
            incumbent: try incumbent(i, v, since: spans.first?.start))
        g.liveSpans = spans.map { LiveSpan(start: $0.start, end: $0.end) }
        g.source = i.data.source
        if let acc, acc.labeled > 0 { g.task = acc.task }
        g.notes =
            (acc?.notes ?? [])
            + (i.data.convertedScores[v] ?? [:]).sorted { $0.key < $1.key }.map { label, count in
                "\(count) score\(count == 1 ? " was" : "s were") ingested as P('\(label)'); converted to P('\(i.positive)') = 1 − score"
            }
        return g
    }

    /// The version live before `v`'s first deployment in the window: its figures in the window,
    /// or over all time when it reported nothing in the window.
    static func incumbent(_ i: GapInputs, _ v: Int?, since: Int64?) throws -> IncumbentFigures? {
        let intervals = i.attribution.intervals
        guard v != nil, let idx = intervals.firstIndex(where: { $0.version == v && $0.start == since }), idx > 0 else { return nil }
        let prev = intervals[idx - 1].version
        guard prev != v else { return nil }
        var est = estimates(i.data, prev)
        var scope = "window"
        if est.isEmpty {
            est = estimates(try i.allTime(prev), prev)
            scope = "all time"
        }
        return est.isEmpty ? nil : IncumbentFigures(version: prev, estimates: est, scope: scope)
    }

    /// One metric's row: gap, relative gap, direction and verdict.
    public static func row(_ e: LiveEstimate, offline off: (value: Double, source: String)?, _ o: GapOptions) -> GapRow {
        let (dir, source) = o.direction(e.metric)
        let gap = off.map { e.value - $0.value }
        let rel = off.flatMap { $0.value != 0 ? (e.value - $0.value) / abs($0.value) : nil }
        let verdict = Verdict.decide(
            offline: off?.value, live: e.value, interval: e.interval, n: e.n, minN: o.minN, direction: dir, tolerance: o.tolerance)
        return GapRow(
            metric: e.metric, offline: off?.value, offlineSource: off?.source, live: e, gap: gap, relativeGap: rel, direction: dir,
            directionSource: source, verdict: verdict, tolerance: o.tolerance)
    }
}
