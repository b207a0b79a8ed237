import Foundation
import SQLiteKit
import Synchronization
import TrackerCore
import TrackerPostgres

// MARK: - Logging

/// Params, tags and metric points for one run, written in one transaction.
public struct LogBatch: Sendable {
    public var params: [KeyValue] = []
    public var tags: [KeyValue] = []
    public var metrics: [MetricPoint] = []
    public var artifacts: [ArtifactRecord] = []

    public init(params: [KeyValue] = [], tags: [KeyValue] = [], metrics: [MetricPoint] = [], artifacts: [ArtifactRecord] = []) {
        self.params = params
        self.tags = tags
        self.metrics = metrics
        self.artifacts = artifacts
    }

    public var isEmpty: Bool { params.isEmpty && tags.isEmpty && metrics.isEmpty && artifacts.isEmpty }
    public var count: Int { params.count + tags.count + metrics.count + artifacts.count }
}

/// Metric, param and tag logging in batches (with the interned key cache) and metric history.
public struct MetricRepository: Sendable {
    let store: Store
    var db: Database { store.db }
}

extension MetricRepository {
    /// Interns metric keys, committing new ones in their own transaction (so a later rollback
    /// never leaves a cached id pointing nowhere). Returns key → id.
    func internKeys(_ keys: Set<String>) throws -> [String: Int64] {
        var result: [String: Int64] = [:]
        var missing: [String] = []
        store.keyCache.withLock { cache in
            for k in keys {
                if let id = cache[k] { result[k] = id } else { missing.append(k) }
            }
        }
        if missing.isEmpty { return result }
        let toAdd = missing
        let found = try db.write { c -> [String: Int64] in
            if c.dialect == .postgres { return try MetricRepository.internKeysPostgres(c, toAdd) }
            var found: [String: Int64] = [:]
            for k in toAdd {
                try c.run("INSERT INTO metric_keys (key) VALUES (?) ON CONFLICT DO NOTHING", [.text(k)])
                found[k] = try c.queryOne("SELECT id FROM metric_keys WHERE key = ?", [.text(k)]) { $0.int64(0) }
            }
            return found
        }
        store.keyCache.withLock { cache in
            for (k, v) in found { cache[k] = v }
        }
        result.merge(found) { a, _ in a }
        return result
    }

    /// `internKeys`' writes on PostgreSQL: every new key in one statement, every id in another.
    static func internKeysPostgres(_ c: Connection, _ keys: [String]) throws -> [String: Int64] {
        try c.run("INSERT INTO metric_keys (key) SELECT unnest(?::text[]) ON CONFLICT DO NOTHING", [PGArray.texts(keys)])
        let rows = try c.query("SELECT key, id FROM metric_keys WHERE key = ANY(?::text[])", [PGArray.texts(keys)]) { ($0.string(0), $0.int64(1)) }
        return Dictionary(rows) { a, _ in a }
    }

    /// Writes one run's batch inside an open transaction. Validates everything first.
    // Split per part at no cost (one call per part per batch); the per-row loops, with their
    // prepared statements reused across rows (the measured ingest path), stay whole.
    static func writeBatch(_ c: Connection, runKey key: Int64, runID: String, batch: LogBatch, keyIDs: [String: Int64]) throws {
        try writeParams(c, runKey: key, runID: runID, batch.params)
        try writeTags(c, runKey: key, batch.tags)
        if !batch.metrics.isEmpty { try writeMetrics(c, runKey: key, batch.metrics, keyIDs: keyIDs) }
        try writeArtifacts(c, runKey: key, batch.artifacts)
    }

    /// New params; an existing param with another value is a conflict (params never change).
    static func writeParams(_ c: Connection, runKey key: Int64, runID: String, _ params: [KeyValue]) throws {
        if c.dialect == .postgres { return try writeParamsPostgres(c, runKey: key, runID: runID, params) }
        for p in params {
            let existing = try c.queryOne("SELECT value FROM params WHERE run_id = ? AND key = ?", [.integer(key), .text(p.key)]) {
                $0.string(0)
            }
            if let existing {
                if existing != p.value { throw paramChanged(p, was: existing, runID: runID) }
                continue
            }
            try c.run("INSERT INTO params (run_id, key, value) VALUES (?, ?, ?)", [.integer(key), .text(p.key), .text(p.value)])
        }
    }

    /// `writeParams` on PostgreSQL, with the same checks in the same order: the batch's keys
    /// already set in one query, the new params in one INSERT.
    static func writeParamsPostgres(_ c: Connection, runKey key: Int64, runID: String, _ params: [KeyValue]) throws {
        guard !params.isEmpty else { return }
        var known = Dictionary(
            try c.query("SELECT key, value FROM params WHERE run_id = ? AND key = ANY(?::text[])", [.integer(key), PGArray.texts(params.map(\.key))]) {
                ($0.string(0), $0.string(1))
            }
        ) { a, _ in a }
        var new: [KeyValue] = []
        for p in params {
            if let existing = known[p.key] {
                if existing != p.value { throw paramChanged(p, was: existing, runID: runID) }
                continue
            }
            known[p.key] = p.value
            new.append(p)
        }
        guard !new.isEmpty else { return }
        try c.run(
            "INSERT INTO params (run_id, key, value) SELECT ?, p.key, p.value FROM unnest(?::text[], ?::text[]) AS p(key, value)",
            [.integer(key), PGArray.texts(new.map(\.key)), PGArray.texts(new.map(\.value))])
    }

    /// The error for a param logged again with another value.
    static func paramChanged(_ p: KeyValue, was existing: String, runID: String) -> TrackerError {
        TrackerError(
            .conflict,
            "param '\(p.key)' of run \(runID) is already '\(existing)'; changing param values is not allowed (log a new run, or use a tag or metric for values that change)",
            subject: .paramChanged(key: p.key, old: existing, new: p.value, run: runID))
    }

    /// Tags, upserted; `mlflow.runName` also renames the run.
    static func writeTags(_ c: Connection, runKey key: Int64, _ tags: [KeyValue]) throws {
        if c.dialect == .postgres { return try writeTagsPostgres(c, runKey: key, tags) }
        for t in tags {
            try c.run(
                "INSERT INTO run_tags (run_id, key, value) VALUES (?, ?, ?) ON CONFLICT (run_id, key) DO UPDATE SET value = excluded.value",
                [.integer(key), .text(t.key), .text(t.value)])
            if t.key == "mlflow.runName" { try c.run("UPDATE runs SET name = ? WHERE id = ?", [.text(t.value), .integer(key)]) }
        }
    }

    /// `writeTags` on PostgreSQL: one upsert of every tag (the last value of a key repeated in
    /// the batch wins, as it does row by row), then the rename.
    static func writeTagsPostgres(_ c: Connection, runKey key: Int64, _ tags: [KeyValue]) throws {
        guard !tags.isEmpty else { return }
        var keys: [String] = []
        var values: [String: String] = [:]
        for t in tags {
            if values.updateValue(t.value, forKey: t.key) == nil { keys.append(t.key) }
        }
        try c.run(
            """
            INSERT INTO run_tags (run_id, key, value) SELECT ?, t.key, t.value FROM unnest(?::text[], ?::text[]) AS t(key, value)
            ON CONFLICT (run_id, key) DO UPDATE SET value = excluded.value
            """, [.integer(key), PGArray.texts(keys), PGArray.texts(keys.map { values[$0]! })])
        if let name = values["mlflow.runName"] { try c.run("UPDATE runs SET name = ? WHERE id = ?", [.text(name), .integer(key)]) }
    }

    /// Metric points (upserted by run, key, step, time), then each key's latest point. On
    /// PostgreSQL a batch of several points goes as arrays; a single point (log-metric) keeps
    /// the two plain statements, which PostgreSQL plans faster than the array statement.
    static func writeMetrics(_ c: Connection, runKey key: Int64, _ metrics: [MetricPoint], keyIDs: [String: Int64]) throws {
        if c.dialect == .postgres && metrics.count > 1 { return try writeMetricsPostgres(c, runKey: key, metrics, keyIDs: keyIDs) }
        let insert = try c.statement(
            "INSERT INTO metrics (run_id, key_id, step, time, value) VALUES (?, ?, ?, ?, ?) ON CONFLICT (run_id, key_id, step, time) DO UPDATE SET value = excluded.value"
        )
        // Latest per key within this batch: max step, then max time.
        var latest: [Int64: MetricPoint] = [:]
        for m in metrics {
            let kid = keyIDs[m.key]!
            try runPoint(insert, runKey: key, keyID: kid, m)
            if let cur = latest[kid], (cur.step, cur.time) > (m.step, m.time) { continue }
            latest[kid] = m
        }
        let upsert = try c.statement(
            """
            INSERT INTO latest_metrics (run_id, key_id, step, time, value) VALUES (?, ?, ?, ?, ?)
            ON CONFLICT (run_id, key_id) DO UPDATE SET step = excluded.step, time = excluded.time, value = excluded.value
            WHERE excluded.step > latest_metrics.step OR (excluded.step = latest_metrics.step AND excluded.time >= latest_metrics.time)
            """)
        for (kid, m) in latest {
            try runPoint(upsert, runKey: key, keyID: kid, m)
        }
    }

    /// Runs `statement` (run, key, step, time, value) for one point; NaN is stored as NULL.
    @inline(__always)
    private static func runPoint(_ statement: any SQLStatement, runKey: Int64, keyID: Int64, _ m: MetricPoint) throws {
        statement.bind(int: runKey, at: 1)
        statement.bind(int: keyID, at: 2)
        statement.bind(int: m.step, at: 3)
        statement.bind(int: m.time, at: 4)
        if m.value.isNaN { statement.bindNull(at: 5) } else { statement.bind(double: m.value, at: 5) }
        try statement.run()
    }

    /// `writeMetrics` on PostgreSQL: the points and each key's latest in one statement of array
    /// parameters. A point repeated in the batch (same key, step and time) is sent once, with its
    /// last value (one statement may not upsert a row twice); the latest rule is the same.
    static func writeMetricsPostgres(_ c: Connection, runKey key: Int64, _ metrics: [MetricPoint], keyIDs: [String: Int64]) throws {
        var points = MetricArrays()
        var position: [MetricArrays.Point: Int] = [:]
        var latest: [Int64: MetricPoint] = [:]
        for m in metrics {
            let kid = keyIDs[m.key]!
            let point = MetricArrays.Point(key: kid, step: m.step, time: m.time)
            if let i = position[point] {
                points.values[i] = m.value
            } else {
                position[point] = points.keys.count
                points.append(kid, m)
            }
            if let cur = latest[kid], (cur.step, cur.time) > (m.step, m.time) { continue }
            latest[kid] = m
        }
        var latestRows = MetricArrays()
        for (kid, m) in latest { latestRows.append(kid, m) }
        try c.run(
            """
            WITH points AS (
                INSERT INTO metrics (run_id, key_id, step, time, value)
                SELECT ?1, p.key_id, p.step, p.time, p.value FROM unnest(?2::bigint[], ?3::bigint[], ?4::bigint[], ?5::float8[]) AS p(key_id, step, time, value)
                ON CONFLICT (run_id, key_id, step, time) DO UPDATE SET value = excluded.value
            )
            INSERT INTO latest_metrics (run_id, key_id, step, time, value)
            SELECT ?1, l.key_id, l.step, l.time, l.value FROM unnest(?6::bigint[], ?7::bigint[], ?8::bigint[], ?9::float8[]) AS l(key_id, step, time, value)
            ON CONFLICT (run_id, key_id) DO UPDATE SET step = excluded.step, time = excluded.time, value = excluded.value
            WHERE excluded.step > latest_metrics.step OR (excluded.step = latest_metrics.step AND excluded.time >= latest_metrics.time)
            """, [.integer(key)] + points.parameters + latestRows.parameters)
    }

    static func writeArtifacts(_ c: Connection, runKey key: Int64, _ artifacts: [ArtifactRecord]) throws {
        for a in artifacts {
            try c.run(
                "INSERT INTO artifacts (run_id, path, size, sha256) VALUES (?, ?, ?, ?) ON CONFLICT (run_id, path) DO UPDATE SET size = excluded.size, sha256 = excluded.sha256",
                [.integer(key), .text(a.path), .integer(a.size), .text(a.sha256)])
        }
    }

    /// Checks keys and values of a batch before anything is written.
    public static func validate(_ batch: LogBatch) throws {
        for p in batch.params {
            try Limits.validateKey(p.key, "param key")
            try Limits.validateParamValue(p.key, p.value)
        }
        for t in batch.tags {
            try Limits.validateKey(t.key, "tag key")
            try Limits.validateTagValue(t.key, t.value)
        }
        for m in batch.metrics { try Limits.validateKey(m.key, "metric key") }
    }

    /// Logs params, tags, metrics and artifact records to one run, atomically.
    public func log(runID: String, _ batch: LogBatch) throws {
        try MetricRepository.validate(batch)
        let keyIDs = try internKeys(Set(batch.metrics.map(\.key)))
        try db.write { c in
            let (key, stage) = try RunRepository.runKey(c, runID)
            if stage != "active" {
                throw TrackerError(
                    .conflict, "run \(runID) must be in the 'active' state to log to it; it is \(stage)",
                    subject: .runNotActive(run: runID, state: stage))
            }
            try MetricRepository.writeBatch(c, runKey: key, runID: runID, batch: batch, keyIDs: keyIDs)
        }
    }

    /// Every recorded value of a metric, by step then time.
    public func metricHistory(runID: String, key: String, limit: Int? = nil, offset: Int = 0) throws -> [MetricPoint] {
        try db.read { c in
            let (runKey, _) = try RunRepository.runKey(c, runID)
            guard let kid = try c.queryOne("SELECT id FROM metric_keys WHERE key = ?", [.text(key)], { $0.int64(0) }) else { return [] }
            return try c.query(
                "SELECT step, time, value FROM metrics WHERE run_id = ? AND key_id = ? ORDER BY step, time LIMIT ? OFFSET ?",
                [.integer(runKey), .integer(kid), .integer(Int64(limit ?? Int.max)), .integer(Int64(offset))]
            ) { MetricPoint(key: key, value: MetricValue.decode($0, 2), step: $0.int64(0), time: $0.int64(1)) }
        }
    }

    /// The metric keys a run has logged, sorted (throws when the run does not exist).
    public func metricKeys(runID: String) throws -> [String] {
        try db.read { c in
            let (run, _) = try RunRepository.runKey(c, runID)
            return try c.query(
                "SELECT k.key FROM latest_metrics l JOIN metric_keys k ON k.id = l.key_id WHERE l.run_id = ? ORDER BY k.key",
                [.integer(run)]
            ) { $0.string(0) }
        }
    }
}

/// Metric points as parallel columns, bound as PostgreSQL arrays.
struct MetricArrays {
    /// A metric point's identity within a run.
    struct Point: Hashable {
        let key: Int64
        let step: Int64
        let time: Int64
    }

    var keys: [Int64] = []
    var steps: [Int64] = []
    var times: [Int64] = []
    var values: [Double] = []

    mutating func append(_ keyID: Int64, _ m: MetricPoint) {
        keys.append(keyID)
        steps.append(m.step)
        times.append(m.time)
        values.append(m.value)
    }

    /// key ids, steps, times, values.
    var parameters: [SQLiteValue] { [PGArray.integers(keys), PGArray.integers(steps), PGArray.integers(times), PGArray.doubles(values)] }
}

/// Readable run names for runs started without one ("brave-otter-417"), derived from the id.
enum RunNames {
    static let adjectives = [
        "amber", "bold", "brave", "calm", "clever", "crisp", "dapper", "eager", "fleet", "gentle", "glad", "keen", "lucid", "merry",
        "nimble", "proud", "quiet", "rapid", "sharp", "steady", "sunny", "swift", "tidy", "vivid", "warm", "wise",
    ]
    static let nouns = [
        "badger", "bear", "crane", "deer", "eagle", "falcon", "fox", "gecko", "hare", "heron", "ibis", "koala", "lynx", "mole", "moose",
        "newt", "otter", "owl", "panda", "quail", "raven", "seal", "shrew", "swan", "tern", "wolf",
    ]

    static func make(from id: String) -> String {
        let v = UInt64(id.prefix(12), radix: 16) ?? 0
        return "\(adjectives[Int(v % 26)])-\(nouns[Int((v / 26) % 26)])-\(100 + (v / 676) % 900)"
    }
}

// MARK: - Store façade: one-line forwards, so call sites stay as they are.

extension Store {
    /// Metric, param and tag logging in batches (with the interned key cache) and metric history.
    public var metrics: MetricRepository { MetricRepository(store: self) }
}
