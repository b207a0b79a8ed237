import Foundation
import SQLiteKit
import TrackerCore

/// An experiment with how many active runs it has and when one last started or ended.
public struct ExperimentSummary: Sendable, Equatable {
    /// The experiment.
    public let experiment: Experiment
    /// How many of its runs are active (not deleted).
    public let runCount: Int
    /// Latest start or end time of its runs (nil: no runs).
    public let lastActivity: Int64?
}

/// Latest, min and max of one metric of a run, and how many points it has.
public struct MetricSummary: Sendable, Equatable {
    /// The metric's name.
    public let key: String
    /// Its latest value (NaN when that was NaN).
    public let latest: Double
    /// Its lowest and highest values (nil: none but NaN).
    public let min: Double?
    /// See `min`.
    public let max: Double?
    /// How many points it has.
    public let count: Int
    /// The step of the latest value.
    public let lastStep: Int64
}

/// A model version registered from a run.
public struct VersionRef: Sendable, Equatable {
    /// The registered model.
    public let model: String
    /// The version number.
    public let version: Int
}

/// One point of a metric's history, bucketed for a chart.
public struct SeriesPoint: Sendable, Equatable {
    /// The step.
    public let step: Int64
    /// When it was logged (UTC ms).
    public let time: Int64
    /// The value.
    public let value: Double

    /// A point.
    public init(step: Int64, time: Int64, value: Double) {
        (self.step, self.time, self.value) = (step, time, value)
    }
}

/// The web UI's read-only queries the repositories do not offer: summaries for its tables and
/// downsampled series for its charts.
public struct UIReadModel: Sendable {
    let db: Database
}

extension UIReadModel {
    /// Active experiments with their active-run counts and last activity, most recent first.
    public func experimentSummaries() throws -> [ExperimentSummary] {
        try db.read { c in
            let rows = try c.query(
                """
                SELECT e.id, e.name, e.description, e.artifact_location, e.lifecycle_stage, e.creation_time, e.last_update_time,
                       (SELECT count(*) FROM runs r WHERE r.experiment_id = e.id AND r.lifecycle_stage = 'active'),
                       (SELECT max(coalesce(r.end_time, r.start_time)) FROM runs r WHERE r.experiment_id = e.id)
                FROM experiments e WHERE e.lifecycle_stage = 'active'
                """
            ) { ($0.int64(0), ExperimentRepository.decodeExperiment($0), $0.int(7), $0.optionalInt64(8)) }
            return
                rows.map { ExperimentSummary(experiment: $0.1, runCount: $0.2, lastActivity: $0.3) }
                .sorted { ($0.lastActivity ?? $0.experiment.creationTime) > ($1.lastActivity ?? $1.experiment.creationTime) }
        }
    }

    /// Param and metric keys used by the `sample` most recent runs of an experiment, most common first.
    public func experimentKeys(experimentID: Int64, sample: Int = 500) throws -> (params: [String], metrics: [String]) {
        try db.read { c in
            let recent = "SELECT id FROM runs WHERE experiment_id = ?1 ORDER BY start_time DESC LIMIT ?2"
            let args: [SQLiteValue] = [.integer(experimentID), .integer(Int64(sample))]
            // Most common first (a key every run has beats one a single run logged), then by name.
            let params = try c.query(
                "SELECT key FROM params WHERE run_id IN (\(recent)) GROUP BY key ORDER BY count(*) DESC, key", args
            ) { $0.string(0) }
            let metrics = try c.query(
                """
                SELECT k.key FROM latest_metrics l JOIN metric_keys k ON k.id = l.key_id
                WHERE l.run_id IN (\(recent)) GROUP BY k.key ORDER BY count(*) DESC, k.key
                """,
                args
            ) { $0.string(0) }
            return (params, metrics)
        }
    }

    /// Latest, min, max and count of every metric of a run.
    public func metricSummaries(runID: String) throws -> [MetricSummary] {
        try db.read { c in
            let (key, _) = try RunRepository.runKey(c, runID)
            return try c.query(
                """
                SELECT k.key, l.value, (SELECT min(value) FROM metrics m WHERE m.run_id = l.run_id AND m.key_id = l.key_id),
                       (SELECT max(value) FROM metrics m WHERE m.run_id = l.run_id AND m.key_id = l.key_id),
                       (SELECT count(*) FROM metrics m WHERE m.run_id = l.run_id AND m.key_id = l.key_id), l.step
                FROM latest_metrics l JOIN metric_keys k ON k.id = l.key_id WHERE l.run_id = ? ORDER BY k.key
                """, [.integer(key)]
            ) {
                MetricSummary(
                    key: $0.string(0), latest: MetricValue.decode($0, 1), min: $0.optionalDouble(2), max: $0.optionalDouble(3),
                    count: $0.int(4), lastStep: $0.int64(5))
            }
        }
    }

    /// A metric's history reduced to at most about `buckets` × 4 points: per step bucket the
    /// first, last, lowest and highest value, so spikes survive. NaN points are left out.
    public func metricSeries(runID: String, key: String, buckets: Int = 500) throws -> [SeriesPoint] {
        try db.read { c in
            let (runKey, _) = try RunRepository.runKey(c, runID)
            guard let kid = try c.queryOne("SELECT id FROM metric_keys WHERE key = ?", [.text(key)], { $0.int64(0) }) else { return [] }
            let args: [SQLiteValue] = [.integer(runKey), .integer(kid)]
            guard
                let (lo, hi, n) = try c.queryOne(
                    "SELECT min(step), max(step), count(*) FROM metrics WHERE run_id = ? AND key_id = ? AND value IS NOT NULL", args,
                    { ($0.int64(0), $0.int64(1), $0.int(2)) }), n > 0
            else { return [] }
            let all = "SELECT step, time, value FROM metrics WHERE run_id = ? AND key_id = ? AND value IS NOT NULL ORDER BY step, time"
            if n <= buckets * 4 {
                return try c.query(all, args) { SeriesPoint(step: $0.int64(0), time: $0.int64(1), value: $0.double(2)) }
            }
            // Streams the rows once, keeping four points per bucket.
            var out: [SeriesPoint] = []
            out.reserveCapacity(buckets * 4)
            var reducer = MinMaxReducer(lo: lo, hi: hi, buckets: buckets)
            let stmt = try c.statement(all)
            try stmt.bind(args)
            defer { stmt.reset() }
            while try stmt.step() {
                let r = stmt.row
                reducer.add(SeriesPoint(step: r.int64(0), time: r.int64(1), value: r.double(2)), into: &out)
            }
            reducer.finish(into: &out)
            return out
        }
    }

    /// Model versions registered from a run.
    public func versionsRegistered(fromRun runID: String) throws -> [VersionRef] {
        try db.read { c in
            try c.query(
                """
                SELECT m.name, v.version FROM model_versions v JOIN registered_models m ON m.id = v.model_id
                WHERE v.run_id = (SELECT id FROM runs WHERE run_uuid = ?) ORDER BY m.name, v.version
                """, [.text(runID)]
            ) { VersionRef(model: $0.string(0), version: $0.int(1)) }
        }
    }
}

// MARK: - Store façade: one-line forwards, so call sites stay as they are.

extension Store {
    /// The web UI's read-only queries.
    public var ui: UIReadModel { UIReadModel(db: db) }
}

/// Min/max-per-bucket downsampling over a step range, streamed in step order.
public struct MinMaxReducer: Sendable {
    let lo: Int64
    let width: Double
    var bucket = -1
    var first: SeriesPoint?
    var last: SeriesPoint?
    var low: SeriesPoint?
    var high: SeriesPoint?

    /// Buckets of equal step width over [lo, hi].
    public init(lo: Int64, hi: Int64, buckets: Int) {
        self.lo = lo
        width = Swift.max(1, Double(hi - lo + 1) / Double(Swift.max(1, buckets)))
    }

    /// Adds the next point (in step order), flushing the previous bucket into `out` when it ends.
    public mutating func add(_ p: SeriesPoint, into out: inout [SeriesPoint]) {
        let b = Int(Double(p.step - lo) / width)
        if b != bucket {
            finish(into: &out)
            bucket = b
            (first, last, low, high) = (p, p, p, p)
            return
        }
        last = p
        if p.value < low!.value { low = p }
        if p.value > high!.value { high = p }
    }

    /// Writes the open bucket's distinct points in step order.
    public mutating func finish(into out: inout [SeriesPoint]) {
        guard let f = first, let l = last, let a = low, let b = high else { return }
        var pts = [f]
        for p in [a, b, l] where !pts.contains(p) { pts.append(p) }
        out += pts.sorted { ($0.step, $0.time) < ($1.step, $1.time) }
        (first, last, low, high) = (nil, nil, nil, nil)
    }

    /// Reduces a whole series in step order.
    public static func reduce(_ points: [SeriesPoint], buckets: Int) -> [SeriesPoint] {
        guard let lo = points.first?.step, let hi = points.last?.step, points.count > buckets * 4 else { return points }
        var r = MinMaxReducer(lo: lo, hi: hi, buckets: buckets)
        var out: [SeriesPoint] = []
        for p in points { r.add(p, into: &out) }
        r.finish(into: &out)
        return out
    }
}
