import Foundation
import SQLiteKit
import TrackerAnalysis
import TrackerCore

/// Counts reported at the end of a live ingestion.
public struct LiveIngestSummary: Sendable, Equatable {
    /// New windows, predictions and outcomes written.
    public var stored = 0
    /// Windows that replaced an earlier copy of the same window.
    public var replaced = 0
    /// Predictions and outcomes whose id was already known (ignored).
    public var duplicate = 0
    /// Lines in rejected batches.
    public var rejected = 0
    /// Stored windows and predictions that no deployment covers (kept, reported as unattributed).
    public var unattributed = 0
    /// Outcomes joined to their prediction in this ingestion (either order of arrival).
    public var joined = 0

    public init() {}

    public static func += (a: inout LiveIngestSummary, b: LiveIngestSummary) {
        a.stored += b.stored
        a.replaced += b.replaced
        a.duplicate += b.duplicate
        a.rejected += b.rejected
        a.unattributed += b.unattributed
        a.joined += b.joined
    }
}

/// Live windows, predictions and outcomes, and each model's live settings; loads the live data the gap analysis reads.
public struct LiveRepository: Sendable {
    let db: Database
}

extension LiveRepository {
    static func attribution(_ c: Connection, modelID: Int64, env: String) throws -> Attribution {
        Attribution(
            intervals: try c.query(
                "SELECT d.started_at, d.ended_at, v.version FROM deployments d JOIN model_versions v ON v.id = d.version_id WHERE d.model_id = ? AND d.env = ? ORDER BY d.started_at, d.id",
                [.integer(modelID), .text(env)]
            ) { ($0.int64(0), $0.optionalInt64(1), $0.int(2)) })
    }

    /// Writes one batch of live events atomically. Throws (writing nothing) on the first
    /// event that cannot be stored, with `source:lines[i]:` naming its line (no prefix when
    /// `source` is nil: the command line is not a file).
    public func writeLive(_ events: [LiveEvent], lines: [Int], source: String?) throws -> LiveIngestSummary {
        try db.write { c in
            let batch = try LiveBatchWriter(c, source: source)
            // Every bad event of the batch is reported (one per line of the thrown message);
            // nothing is written if there is one.
            var failures: [String] = []
            for (event, line) in zip(events, lines) {
                do {
                    try batch.write(event, line)
                } catch let e as TrackerError {
                    failures.append(e.message)
                }
            }
            if !failures.isEmpty { throw TrackerError.invalid(failures.joined(separator: "\n")) }
            return try batch.finish()
        }
    }

    /// The positive label used for precision, recall, F1, AUC and log loss (default "1").
    public func positiveLabel(model: String) throws -> String { try liveSettings(model: model).positiveLabel }

    /// Sets the positive label of a model (scores already ingested keep the label they were
    /// ingested with).
    public func setPositiveLabel(model: String, label: String) throws {
        try updateLiveSettings(model: model) { $0.positiveLabel = label }
    }

    /// A model's live settings (defaults where nothing was set).
    public func liveSettings(model: String) throws -> LiveSettings {
        try db.read { c in try LiveRepository.liveSettings(c, modelID: try RegistryRepository.modelRow(c, model).id) }
    }

    static func liveSettings(_ c: Connection, modelID: Int64) throws -> LiveSettings {
        var s = LiveSettings()
        if let row = try c.queryOne(
            "SELECT positive_label, task, classes FROM live_settings WHERE model_id = ?", [.integer(modelID)],
            { ($0.string(0), $0.optionalString(1), $0.optionalString(2)) })
        {
            s.positiveLabel = row.0
            s.task = row.1.flatMap(LiveTask.init(rawValue:))
            s.classes = row.2.map { $0.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) }
        }
        for (metric, d) in try c.query(
            "SELECT metric, direction FROM metric_directions WHERE model_id = ? ORDER BY metric", [.integer(modelID)],
            { ($0.string(0), $0.string(1)) })
        {
            s.directions[metric] = MetricDirection(rawValue: d)
        }
        for (metric, g, f) in try c.query(
            "SELECT metric, max_gap, coverage_floor FROM alert_settings WHERE model_id = ? ORDER BY metric", [.integer(modelID)],
            { ($0.string(0), $0.optionalDouble(1), $0.optionalDouble(2)) })
        {
            if let g { s.maxGap[metric] = g }
            if metric.isEmpty, let f { s.coverageFloor = f }
        }
        return s
    }

    /// Changes a model's live settings in one transaction (read, modify, write back).
    public func updateLiveSettings(model: String, _ change: (inout LiveSettings) throws -> Void) throws {
        try db.write { c in
            let mid = try RegistryRepository.modelRow(c, model).id
            var s = try LiveRepository.liveSettings(c, modelID: mid)
            let positiveBefore = s.positiveLabel
            try change(&s)
            defer { if s.positiveLabel != positiveBefore { try? LiveRepository.markRebuild(c, modelID: mid) } }
            try c.run(
                """
                INSERT INTO live_settings (model_id, positive_label, task, classes) VALUES (?, ?, ?, ?)
                ON CONFLICT (model_id) DO UPDATE SET positive_label = excluded.positive_label, task = excluded.task, classes = excluded.classes
                """,
                [
                    .integer(mid), .text(s.positiveLabel), s.task.map { .text($0.rawValue) } ?? .null,
                    s.classes.map { .text($0.joined(separator: "\n")) } ?? .null,
                ])
            try c.run("DELETE FROM metric_directions WHERE model_id = ?", [.integer(mid)])
            for (metric, d) in s.directions {
                try c.run(
                    "INSERT INTO metric_directions (model_id, metric, direction) VALUES (?, ?, ?)",
                    [.integer(mid), .text(metric), .text(d.rawValue)])
            }
            try c.run("DELETE FROM alert_settings WHERE model_id = ?", [.integer(mid)])
            for metric in Set(s.maxGap.keys).union(s.coverageFloor == nil ? [] : [""]) {
                try c.run(
                    "INSERT INTO alert_settings (model_id, metric, max_gap, coverage_floor) VALUES (?, ?, ?, ?)",
                    [
                        .integer(mid), .text(metric), s.maxGap[metric].map { .real($0) } ?? .null,
                        metric.isEmpty ? (s.coverageFloor.map { .real($0) } ?? .null) : .null,
                    ])
            }
        }
    }
}

// MARK: - One live batch

/// One batch of live events inside `writeLive`'s transaction: the batch's prepared inserts, its
/// lookups (models, attributions, rollup states), the predictions it stored, the rollup changes
/// and the counts. A class so the per-kind steps share that state without copying it.
private final class LiveBatchWriter {
    /// A prediction as an outcome joins it: its row key, its rollup version and what the rollups count.
    typealias Stored = (
        mid: Int64, env: String, time: Int64, version: Int64, label: String?, value: Double?, score: Double?, scoreLabel: String?
    )

    let c: Connection
    let source: String?
    let now = TimeParser.nowMillis()
    let insertPrediction: any SQLStatement
    let insertOutcome: any SQLStatement
    var summary = LiveIngestSummary()
    var rollups = RollupBatch()
    var models: [String: (id: Int64, positive: String)] = [:]
    var attributions: [String: Attribution] = [:]
    /// Predictions stored by this batch, by id: an outcome for one of them needs no read.
    var storedHere: [String: Stored] = [:]
    var states: [Int64: (state: RollupState, positive: String)] = [:]

    init(_ c: Connection, source: String?) throws {
        self.c = c
        self.source = source
        insertPrediction = try c.statement(
            "INSERT INTO predictions (model_id, env, time, id, version, label, value, score, score_label) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING"
        )
        insertOutcome = try c.statement(
            "INSERT INTO outcomes (id, label, value, time, received_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING")
    }

    func write(_ event: LiveEvent, _ line: Int) throws {
        switch event {
        case .window(let w): try writeWindow(w, line)
        case .prediction(let p): try writePrediction(p, line)
        case .outcome(let o): try writeOutcome(o)
        }
    }

    /// Writes the rollup changes; returns the batch's counts.
    func finish() throws -> LiveIngestSummary {
        try rollups.write(c)
        return summary
    }

    // MARK: Events

    func writeWindow(_ w: LiveWindowInput, _ line: Int) throws {
        let mid = try model(w.model, line).id
        try check(mid, w.model, w.version, line)
        let version = try w.version ?? attributed(mid, w.env, w.start)
        if version == nil { summary.unattributed += 1 }
        // The identity uses the version the window counts for (0 = unattributed), so a
        // resend naming the attributed version replaces instead of adding.
        let identity = Int64(version ?? 0)
        let existed =
            try c.queryOne(
                "SELECT 1 FROM live_windows WHERE model_id = ? AND env = ? AND given_version = ? AND metric = ? AND start_time = ? AND end_time = ?",
                [.integer(mid), .text(w.env), .integer(identity), .text(w.metric), .integer(w.start), .integer(w.end)],
                { _ in true }) != nil
        try c.run(
            """
            INSERT INTO live_windows (model_id, env, given_version, version, metric, start_time, end_time, n, sum, sum_sq, m2, received_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (model_id, env, given_version, metric, start_time, end_time)
            DO UPDATE SET version = excluded.version, n = excluded.n, sum = excluded.sum, sum_sq = excluded.sum_sq, m2 = excluded.m2,
                received_at = excluded.received_at
            """,
            [
                .integer(mid), .text(w.env), .integer(identity), version.map { .integer(Int64($0)) } ?? .null, .text(w.metric),
                .integer(w.start), .integer(w.end), .integer(w.n), .real(w.sum), .real(w.sumSq), .real(w.m2), .integer(now),
            ])
        if existed { summary.replaced += 1 } else { summary.stored += 1 }
    }

    func writePrediction(_ p: PredictionInput, _ line: Int) throws {
        let (mid, positive) = try model(p.model, line)
        try check(mid, p.model, p.version, line)
        let version = try p.version ?? attributed(mid, p.env, p.time)
        let key = RollupKey(model: mid, env: p.env, version: Int64(version ?? 0), hour: RollupKey.hour(p.time))
        let rs = try rollupState(mid)
        // Raw rows of pruned hours are gone: a re-sent old prediction cannot be told from
        // a new one, so it is ignored rather than counted twice.
        if let pruned = rs.state.prunedBefore, key.hour < pruned {
            summary.duplicate += 1
            return
        }
        try insertPrediction.bind([
            .integer(mid), .text(p.env), .integer(p.time), .text(p.id), version.map { .integer(Int64($0)) } ?? .null,
            p.label.map { .text($0) } ?? .null,
            p.value.map { .real($0) } ?? .null, p.score.map { .real($0) } ?? .null,
            p.score == nil ? .null : .text(positive),
        ])
        try insertPrediction.run()
        if c.changes == 0 {
            summary.duplicate += 1
            return
        }
        summary.stored += 1
        if version == nil { summary.unattributed += 1 }
        let counted = rs.state.counts(env: p.env, time: p.time, id: p.id)
        if counted { rollups.addPrediction(key, positive: rs.positive, score: p.score, scoreLabel: rs.positive) }
        storedHere[p.id] = (mid, p.env, p.time, key.version, p.label, p.value, p.score, p.score == nil ? nil : rs.positive)
        try joinEarlierOutcome(p, key, positive: rs.positive, counted: counted)
    }

    /// An outcome may have arrived before its prediction: joins it to the prediction just stored.
    func joinEarlierOutcome(_ p: PredictionInput, _ key: RollupKey, positive: String, counted: Bool) throws {
        guard
            let o = try c.queryOne(
                "SELECT label, value, time FROM outcomes WHERE id = ?", [.text(p.id)],
                { ($0.optionalString(0), $0.optionalDouble(1), $0.int64(2)) })
        else { return }
        try c.run(
            "UPDATE predictions SET actual_label = ?, actual_value = ?, outcome_time = ? WHERE id = ?",
            [o.0.map { .text($0) } ?? .null, o.1.map { .real($0) } ?? .null, .integer(o.2), .text(p.id)])
        summary.joined += 1
        if counted {
            rollups.addOutcome(
                key, positive: positive, label: p.label, value: p.value, score: p.score,
                scoreLabel: p.score == nil ? nil : positive, actualLabel: o.0, actualValue: o.1)
        }
    }

    func writeOutcome(_ o: OutcomeInput) throws {
        try insertOutcome.bind([
            .text(o.id), o.label.map { .text($0) } ?? .null, o.value.map { .real($0) } ?? .null, .integer(o.time),
            .integer(now),
        ])
        try insertOutcome.run()
        if c.changes == 0 {
            summary.duplicate += 1
            return
        }
        summary.stored += 1
        // The prediction (its hour's rollup counts the outcome) is known when this batch
        // stored it; otherwise it is read, then updated by its primary key (cheaper
        // than UPDATE … RETURNING in SQLite).
        if let p = storedHere[o.id] {
            try c.run(
                "UPDATE predictions SET actual_label = ?, actual_value = ?, outcome_time = ? WHERE id = ?",
                [o.label.map { .text($0) } ?? .null, o.value.map { .real($0) } ?? .null, .integer(o.time), .text(o.id)])
            try countJoined(o, p)
            return
        }
        guard let p = try storedBefore(o.id) else { return }
        try c.run(
            "UPDATE predictions SET actual_label = ?, actual_value = ?, outcome_time = ? WHERE model_id = ? AND env = ? AND time = ? AND id = ?",
            [
                o.label.map { .text($0) } ?? .null, o.value.map { .real($0) } ?? .null, .integer(o.time), .integer(p.mid), .text(p.env),
                .integer(p.time), .text(o.id),
            ])
        try countJoined(o, p)
    }

    /// The prediction an earlier batch stored under `id`, if any.
    func storedBefore(_ id: String) throws -> Stored? {
        try c.queryOne(
            "SELECT model_id, env, time, version, label, value, score, score_label FROM predictions WHERE id = ?", [.text(id)]
        ) { r in
            (
                mid: r.int64(0), env: r.string(1), time: r.int64(2), version: r.optionalInt64(3) ?? 0, label: r.optionalString(4),
                value: r.optionalDouble(5), score: r.optionalDouble(6), scoreLabel: r.optionalString(7)
            )
        }
    }

    /// Counts an outcome just joined to prediction `p`, in its hour's rollup when the rollups count `p`.
    func countJoined(_ o: OutcomeInput, _ p: Stored) throws {
        summary.joined += 1
        let rs = try rollupState(p.mid)
        if rs.state.counts(env: p.env, time: p.time, id: o.id) {
            rollups.addOutcome(
                RollupKey(model: p.mid, env: p.env, version: p.version, hour: RollupKey.hour(p.time)), positive: rs.positive,
                label: p.label, value: p.value, score: p.score, scoreLabel: p.scoreLabel, actualLabel: o.label, actualValue: o.value)
        }
    }

    // MARK: Lookups (once per batch)

    /// A model's rollup state and the positive label its rollups count for.
    func rollupState(_ mid: Int64) throws -> (state: RollupState, positive: String) {
        if let st = states[mid] { return st }
        let positive =
            try c.queryOne("SELECT positive_label FROM live_settings WHERE model_id = ?", [.integer(mid)]) { $0.string(0) } ?? "1"
        let st = (try RollupState.load(c, modelID: mid), positive)
        states[mid] = st
        return st
    }

    func at(_ line: Int) -> String { source.map { "\($0):\(line): " } ?? "" }

    func model(_ name: String, _ line: Int) throws -> (id: Int64, positive: String) {
        if let m = models[name] { return m }
        guard let id = try c.queryOne("SELECT id FROM registered_models WHERE name = ?", [.text(name)], { $0.int64(0) }) else {
            let e = try RegistryRepository.modelNotFound(c, name)
            throw TrackerError.invalid("\(at(line))\(e.message); register it first (tracker model register \(name))")
        }
        let positive =
            try c.queryOne("SELECT positive_label FROM live_settings WHERE model_id = ?", [.integer(id)]) { $0.string(0) } ?? "1"
        models[name] = (id, positive)
        return (id, positive)
    }

    func attributed(_ mid: Int64, _ env: String, _ t: Int64) throws -> Int? {
        let key = "\(mid)/\(env)"
        if attributions[key] == nil { attributions[key] = try LiveRepository.attribution(c, modelID: mid, env: env) }
        return attributions[key]!.version(at: t)
    }

    /// A named version must exist, for windows and predictions alike.
    func check(_ mid: Int64, _ model: String, _ v: Int?, _ line: Int) throws {
        guard let v else { return }
        guard
            try c.queryOne(
                "SELECT 1 FROM model_versions WHERE model_id = ? AND version = ?", [.integer(mid), .integer(Int64(v))], { _ in true })
                != nil
        else { throw TrackerError.invalid("\(at(line))model '\(model)' has no version \(v); list them with 'tracker model show \(model)'") }
    }
}

// MARK: - Store façade: one-line forwards, so call sites stay as they are.

extension Store {
    /// Live windows, predictions and outcomes, and each model's live settings.
    public var live: LiveRepository { LiveRepository(db: db) }

    public func writeLive(_ events: [LiveEvent], lines: [Int], source: String?) throws -> LiveIngestSummary {
        try live.writeLive(events, lines: lines, source: source)
    }

    public func positiveLabel(model: String) throws -> String { try live.positiveLabel(model: model) }

    public func setPositiveLabel(model: String, label: String) throws { try live.setPositiveLabel(model: model, label: label) }

    public func liveSettings(model: String) throws -> LiveSettings { try live.liveSettings(model: model) }

    public func updateLiveSettings(model: String, _ change: (inout LiveSettings) throws -> Void) throws { try live.updateLiveSettings(model: model, change) }
}
