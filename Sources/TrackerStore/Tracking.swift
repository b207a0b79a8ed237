import Foundation
import SQLiteKit
import Synchronization
import TrackerCore

// MARK: - Experiments

extension Store {
    static let experimentColumns =
        "id, name, description, artifact_location, lifecycle_stage, creation_time, last_update_time"

    static func decodeExperiment(_ r: Row) -> Experiment {
        Experiment(
            id: r.int64(0), name: r.string(1), description: r.string(2), artifactLocation: r.string(3),
            lifecycleStage: r.string(4), creationTime: r.int64(5), lastUpdateTime: r.int64(6), tags: [])
    }

    static func experimentTags(_ c: Connection, _ id: Int64) throws -> [KeyValue] {
        try c.query("SELECT key, value FROM experiment_tags WHERE experiment_id = ? ORDER BY key", [.integer(id)]) {
            KeyValue($0.string(0), $0.string(1))
        }
    }

    static func findExperiment(_ c: Connection, name: String) throws -> Experiment? {
        guard var e = try c.queryOne("SELECT \(experimentColumns) FROM experiments WHERE name = ?", [.text(name)], decodeExperiment)
        else { return nil }
        e.tags = try experimentTags(c, e.id)
        return e
    }

    static func findExperiment(_ c: Connection, id: Int64) throws -> Experiment? {
        guard var e = try c.queryOne("SELECT \(experimentColumns) FROM experiments WHERE id = ?", [.integer(id)], decodeExperiment)
        else { return nil }
        e.tags = try experimentTags(c, e.id)
        return e
    }

    static func insertExperiment(
        _ c: Connection, name: String, description: String, artifactLocation: String?, tags: [KeyValue], now: Int64
    ) throws -> Experiment {
        try Limits.validateExperimentName(name)
        do {
            try c.run(
                "INSERT INTO experiments (name, description, artifact_location, creation_time, last_update_time) VALUES (?, ?, '', ?, ?)",
                [.text(name), .text(description), .integer(now), .integer(now)])
        } catch let e as SQLiteError where e.isUniqueViolation {
            throw TrackerError(.alreadyExists, "experiment '\(name)' already exists", subject: .experimentName(name))
        }
        let id = c.lastInsertRowID
        try c.run(
            "UPDATE experiments SET artifact_location = ? WHERE id = ?",
            [.text(artifactLocation ?? "mlflow-artifacts:/\(id)"), .integer(id)])
        for t in tags {
            try c.run(
                "INSERT OR REPLACE INTO experiment_tags (experiment_id, key, value) VALUES (?, ?, ?)",
                [.integer(id), .text(t.key), .text(t.value)])
        }
        return try findExperiment(c, id: id)!
    }

    /// Creates an experiment; an existing name is an `alreadyExists` error.
    public func createExperiment(
        name: String, description: String = "", artifactLocation: String? = nil, tags: [KeyValue] = []
    ) throws -> Experiment {
        try db.write { c in
            try Store.insertExperiment(
                c, name: name, description: description, artifactLocation: artifactLocation, tags: tags, now: TimeParser.nowMillis())
        }
    }

    /// The experiment with this name, created if missing.
    public func ensureExperiment(name: String) throws -> Experiment {
        try ensureExperiment(named: name).experiment
    }

    /// The experiment with this name, created if missing; `created` says whether this call made it.
    public func ensureExperiment(named name: String) throws -> (experiment: Experiment, created: Bool) {
        if let e = try db.read({ try Store.findExperiment($0, name: name) }) { return (e, false) }
        return try db.write { c in
            if let e = try Store.findExperiment(c, name: name) { return (e, false) }
            let e = try Store.insertExperiment(c, name: name, description: "", artifactLocation: nil, tags: [], now: TimeParser.nowMillis())
            return (e, true)
        }
    }

    /// The experiment with this name, or nil.
    public func experiment(named name: String) throws -> Experiment? {
        try db.read { try Store.findExperiment($0, name: name) }
    }

    /// The experiment with this id, or nil.
    public func experiment(id: Int64) throws -> Experiment? {
        try db.read { try Store.findExperiment($0, id: id) }
    }

    /// Experiments by id, filtered by lifecycle.
    public func listExperiments(view: ViewType = .activeOnly) throws -> [Experiment] {
        try db.read { c in
            let rows = try c.query(
                "SELECT \(Store.experimentColumns) FROM experiments WHERE (? = 'ALL' OR (? = 'ACTIVE_ONLY') = (lifecycle_stage = 'active')) ORDER BY id",
                [.text(view.rawValue), .text(view.rawValue)], Store.decodeExperiment)
            return try rows.map { e in
                var e = e
                e.tags = try Store.experimentTags(c, e.id)
                return e
            }
        }
    }

    /// Renames, deletes, restores or tags an experiment (the MLflow API's needs).
    public func updateExperiment(
        id: Int64, newName: String? = nil, lifecycle: String? = nil, setTag: KeyValue? = nil, deleteTag: String? = nil
    )
        throws
    {
        try db.write { c in
            guard try Store.findExperiment(c, id: id) != nil else {
                throw TrackerError.notFound("experiment \(id) not found; list experiments with 'tracker experiment list'", subject: .experiment(String(id)))
            }
            let now = TimeParser.nowMillis()
            if let newName {
                try Limits.validateExperimentName(newName)
                do {
                    try c.run(
                        "UPDATE experiments SET name = ?, last_update_time = ? WHERE id = ?", [.text(newName), .integer(now), .integer(id)])
                } catch let e as SQLiteError where e.isUniqueViolation {
                    throw TrackerError(.alreadyExists, "experiment '\(newName)' already exists", subject: .experimentName(newName))
                }
            }
            if let lifecycle {
                if id == 0 && lifecycle == "deleted" { throw TrackerError.invalid("the Default experiment cannot be deleted") }
                try c.run(
                    "UPDATE experiments SET lifecycle_stage = ?, last_update_time = ? WHERE id = ?",
                    [.text(lifecycle), .integer(now), .integer(id)])
                try c.run("UPDATE runs SET lifecycle_stage = ? WHERE experiment_id = ?", [.text(lifecycle), .integer(id)])
            }
            if let t = setTag {
                try c.run(
                    "INSERT OR REPLACE INTO experiment_tags (experiment_id, key, value) VALUES (?, ?, ?)",
                    [.integer(id), .text(t.key), .text(t.value)])
            }
            if let k = deleteTag {
                try c.run("DELETE FROM experiment_tags WHERE experiment_id = ? AND key = ?", [.integer(id), .text(k)])
            }
        }
    }
}

// MARK: - Runs

extension Store {
    static let runColumns =
        "r.run_uuid, r.experiment_id, r.name, r.user_id, r.status, r.start_time, r.end_time, r.lifecycle_stage, r.artifact_uri"

    /// Decodes `runColumns` starting at column `o` (1 after a leading `r.id`).
    static func decodeRunInfo(_ r: Row, from o: Int = 0) -> RunInfo {
        RunInfo(
            runID: r.string(o), experimentID: r.int64(o + 1), name: r.string(o + 2), userID: r.string(o + 3),
            status: RunStatus(rawValue: r.string(o + 4)) ?? .running, startTime: r.int64(o + 5), endTime: r.optionalInt64(o + 6),
            lifecycleStage: r.string(o + 7), artifactURI: r.string(o + 8))
    }

    /// A new run id: 32 lowercase hex characters (a UUID v4 without dashes, as MLflow makes).
    public static func newRunID() -> String {
        UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
    }

    static func notFoundRun(_ id: String) -> TrackerError {
        TrackerError.notFound("run \(id) not found; list runs with 'tracker run list'", subject: .run(id))
    }

    /// The internal key and lifecycle of a run.
    static func runKey(_ c: Connection, _ runID: String) throws -> (Int64, String) {
        guard
            let k = try c.queryOne(
                "SELECT id, lifecycle_stage FROM runs WHERE run_uuid = ?", [.text(runID)], { ($0.int64(0), $0.string(1)) })
        else { throw notFoundRun(runID) }
        return k
    }

    static func insertRun(
        _ c: Connection, experimentID: Int64, name: String, userID: String, startTime: Int64, tags: [KeyValue],
        runID: String = Store.newRunID()
    ) throws -> RunInfo {
        guard let exp = try findExperiment(c, id: experimentID) else {
            throw TrackerError.notFound(
                "experiment \(experimentID) not found; list experiments with 'tracker experiment list'", subject: .experiment(String(experimentID)))
        }
        if exp.lifecycleStage != "active" {
            throw TrackerError(.conflict, "experiment '\(exp.name)' is deleted; restore it or use another")
        }
        var runName = name
        if runName.isEmpty, let t = tags.last(where: { $0.key == "mlflow.runName" }) { runName = t.value }
        if runName.isEmpty { runName = RunNames.make(from: runID) }
        let location = exp.artifactLocation.isEmpty ? "mlflow-artifacts:/\(exp.id)" : exp.artifactLocation
        let base = location.hasSuffix("/") ? String(location.dropLast()) : location
        try c.run(
            "INSERT INTO runs (run_uuid, experiment_id, name, user_id, status, start_time, artifact_uri) VALUES (?, ?, ?, ?, 'RUNNING', ?, ?)",
            [.text(runID), .integer(experimentID), .text(runName), .text(userID), .integer(startTime), .text("\(base)/\(runID)/artifacts")])
        let key = c.lastInsertRowID
        var allTags = tags.filter { $0.key != "mlflow.runName" }
        allTags.append(KeyValue("mlflow.runName", runName))
        if !userID.isEmpty && !allTags.contains(where: { $0.key == "mlflow.user" }) { allTags.append(KeyValue("mlflow.user", userID)) }
        for t in allTags {
            try Limits.validateKey(t.key, "tag key")
            try Limits.validateTagValue(t.key, t.value)
            try c.run(
                "INSERT OR REPLACE INTO run_tags (run_id, key, value) VALUES (?, ?, ?)", [.integer(key), .text(t.key), .text(t.value)])
        }
        return try c.queryOne("SELECT \(runColumns) FROM runs r WHERE r.id = ?", [.integer(key)]) { decodeRunInfo($0) }!
    }

    /// Starts a run in an experiment.
    public func createRun(
        experimentID: Int64, name: String = "", userID: String = Store.currentUser(), startTime: Int64? = nil, tags: [KeyValue] = []
    ) throws -> RunInfo {
        try db.write { c in
            try Store.insertRun(
                c, experimentID: experimentID, name: name, userID: userID, startTime: startTime ?? TimeParser.nowMillis(), tags: tags)
        }
    }

    /// Changes a run's status, end time or name.
    @discardableResult
    public func updateRun(runID: String, status: RunStatus? = nil, endTime: Int64? = nil, name: String? = nil) throws -> RunInfo {
        try db.write { c in try Store.updateRun(c, runID: runID, status: status, endTime: endTime, name: name) }
    }

    static func updateRun(_ c: Connection, runID: String, status: RunStatus?, endTime: Int64?, name: String?) throws -> RunInfo {
        let (key, _) = try runKey(c, runID)
        if let status {
            let end: SQLiteValue = status == .running || status == .scheduled ? .null : .integer(endTime ?? TimeParser.nowMillis())
            try c.run("UPDATE runs SET status = ?, end_time = ? WHERE id = ?", [.text(status.rawValue), end, .integer(key)])
        } else if let endTime {
            try c.run("UPDATE runs SET end_time = ? WHERE id = ?", [.integer(endTime), .integer(key)])
        }
        if let name, !name.isEmpty {
            try c.run("UPDATE runs SET name = ? WHERE id = ?", [.text(name), .integer(key)])
            try c.run("INSERT OR REPLACE INTO run_tags (run_id, key, value) VALUES (?, 'mlflow.runName', ?)", [.integer(key), .text(name)])
        }
        return try c.queryOne("SELECT \(runColumns) FROM runs r WHERE r.id = ?", [.integer(key)]) { decodeRunInfo($0) }!
    }

    /// Soft-deletes or restores a run.
    public func setRunLifecycle(runID: String, deleted: Bool) throws {
        try db.write { c in
            let (key, _) = try Store.runKey(c, runID)
            try c.run("UPDATE runs SET lifecycle_stage = ? WHERE id = ?", [.text(deleted ? "deleted" : "active"), .integer(key)])
        }
    }

    /// Removes a tag from a run.
    public func deleteRunTag(runID: String, key: String) throws {
        try db.write { c in
            let (k, _) = try Store.runKey(c, runID)
            guard try c.run("DELETE FROM run_tags WHERE run_id = ? AND key = ?", [.integer(k), .text(key)]) > 0 else {
                throw TrackerError.notFound("no tag '\(key)' on run \(runID)", subject: .runTag(key: key, run: runID))
            }
        }
    }

    static func loadRun(_ c: Connection, key: Int64, info: RunInfo) throws -> Run {
        let params = try c.query("SELECT key, value FROM params WHERE run_id = ? ORDER BY key", [.integer(key)]) {
            KeyValue($0.string(0), $0.string(1))
        }
        let tags = try c.query("SELECT key, value FROM run_tags WHERE run_id = ? ORDER BY key", [.integer(key)]) {
            KeyValue($0.string(0), $0.string(1))
        }
        let metrics = try c.query(
            "SELECT k.key, l.value, l.step, l.time FROM latest_metrics l JOIN metric_keys k ON k.id = l.key_id WHERE l.run_id = ? ORDER BY k.key",
            [.integer(key)]
        ) { MetricPoint(key: $0.string(0), value: MetricValue.decode($0, 1), step: $0.int64(2), time: $0.int64(3)) }
        let artifacts = try c.query("SELECT path, size, sha256 FROM artifacts WHERE run_id = ? ORDER BY path", [.integer(key)]) {
            ArtifactRecord(path: $0.string(0), size: $0.int64(1), sha256: $0.string(2))
        }
        return Run(info: info, params: params, tags: tags, metrics: metrics, artifacts: artifacts)
    }

    /// A run with its params, tags, latest metrics and artifacts.
    /// Shortest run-id prefix accepted in place of the full 32-character id (as git does).
    public static let minimumRunIDPrefix = 6

    /// The full id of the run `given` names: a full id (returned as is), or a unique prefix of
    /// at least `minimumRunIDPrefix` characters. Too short, ambiguous or unknown is an error that
    /// says what to do (an ambiguous one lists the candidates).
    public func resolveRunID(_ given: String) throws -> String {
        let prefix = given.lowercased()
        if prefix.utf8.count == 32 { return prefix }
        if prefix.count < Store.minimumRunIDPrefix {
            throw TrackerError.invalid(
                "run id '\(given)' is too short: give at least \(Store.minimumRunIDPrefix) characters of it, or the full id from 'tracker run list'")
        }
        // Every id starting with the prefix sorts between it and the prefix + DEL (ids are hex).
        let matches = try db.read { c in
            try c.query(
                "SELECT run_uuid, name FROM runs WHERE run_uuid >= ? AND run_uuid < ? ORDER BY run_uuid LIMIT 11",
                [.text(prefix), .text(prefix + "\u{7F}")], { ($0.string(0), $0.string(1)) })
        }
        guard let first = matches.first else { throw Store.notFoundRun(given) }
        if matches.count == 1 { return first.0 }
        let listed = matches.prefix(10).map { "\($0.0) (\($0.1.isEmpty ? "unnamed" : $0.1))" }.joined(separator: ", ")
        throw TrackerError.invalid(
            "run id '\(given)' is ambiguous: it matches \(matches.count > 10 ? "more than 10 runs" : "\(matches.count) runs"): \(listed); give more characters")
    }

    public func run(id runID: String) throws -> Run {
        try db.read { c in
            guard
                let (key, info) = try c.queryOne(
                    "SELECT r.id, \(Store.runColumns) FROM runs r WHERE r.run_uuid = ?", [.text(runID)],
                    { row in
                        (row.int64(0), Store.decodeRunInfo(row, from: 1))
                    })
            else { throw Store.notFoundRun(runID) }
            return try Store.loadRun(c, key: key, info: info)
        }
    }

    /// The OS user running this process ($USER, else "unknown").
    public static func currentUser() -> String {
        let env = ProcessInfo.processInfo.environment
        return env["USER"] ?? env["LOGNAME"] ?? NSUserName()
    }
}

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

extension Store {
    /// Interns metric keys, committing new ones in their own transaction (so a later rollback
    /// never leaves a cached id pointing nowhere). Returns key → id.
    func internKeys(_ keys: Set<String>) throws -> [String: Int64] {
        var result: [String: Int64] = [:]
        var missing: [String] = []
        keyCache.withLock { cache in
            for k in keys {
                if let id = cache[k] { result[k] = id } else { missing.append(k) }
            }
        }
        if missing.isEmpty { return result }
        let toAdd = missing
        let found = try db.write { c -> [String: Int64] in
            var found: [String: Int64] = [:]
            for k in toAdd {
                try c.run("INSERT OR IGNORE INTO metric_keys (key) VALUES (?)", [.text(k)])
                found[k] = try c.queryOne("SELECT id FROM metric_keys WHERE key = ?", [.text(k)]) { $0.int64(0) }
            }
            return found
        }
        keyCache.withLock { cache in
            for (k, v) in found { cache[k] = v }
        }
        result.merge(found) { a, _ in a }
        return result
    }

    /// Writes one run's batch inside an open transaction. Validates everything first.
    static func writeBatch(_ c: Connection, runKey key: Int64, runID: String, batch: LogBatch, keyIDs: [String: Int64]) throws {
        for p in batch.params {
            let existing = try c.queryOne("SELECT value FROM params WHERE run_id = ? AND key = ?", [.integer(key), .text(p.key)]) {
                $0.string(0)
            }
            if let existing {
                if existing != p.value {
                    throw TrackerError(
                        .conflict,
                        "param '\(p.key)' of run \(runID) is already '\(existing)'; changing param values is not allowed (log a new run, or use a tag or metric for values that change)"
                    )
                }
                continue
            }
            try c.run("INSERT INTO params (run_id, key, value) VALUES (?, ?, ?)", [.integer(key), .text(p.key), .text(p.value)])
        }
        for t in batch.tags {
            try c.run(
                "INSERT OR REPLACE INTO run_tags (run_id, key, value) VALUES (?, ?, ?)", [.integer(key), .text(t.key), .text(t.value)])
            if t.key == "mlflow.runName" { try c.run("UPDATE runs SET name = ? WHERE id = ?", [.text(t.value), .integer(key)]) }
        }
        if !batch.metrics.isEmpty {
            let insert = try c.cached("INSERT OR REPLACE INTO metrics (run_id, key_id, step, time, value) VALUES (?, ?, ?, ?, ?)")
            // Latest per key within this batch: max step, then max time.
            var latest: [Int64: MetricPoint] = [:]
            for m in batch.metrics {
                let kid = keyIDs[m.key]!
                insert.bind(int: key, at: 1)
                insert.bind(int: kid, at: 2)
                insert.bind(int: m.step, at: 3)
                insert.bind(int: m.time, at: 4)
                if m.value.isNaN { insert.bindNull(at: 5) } else { insert.bind(double: m.value, at: 5) }
                try insert.run()
                if let cur = latest[kid], (cur.step, cur.time) > (m.step, m.time) { continue }
                latest[kid] = m
            }
            let upsert = try c.cached(
                """
                INSERT INTO latest_metrics (run_id, key_id, step, time, value) VALUES (?, ?, ?, ?, ?)
                ON CONFLICT (run_id, key_id) DO UPDATE SET step = excluded.step, time = excluded.time, value = excluded.value
                WHERE excluded.step > latest_metrics.step OR (excluded.step = latest_metrics.step AND excluded.time >= latest_metrics.time)
                """)
            for (kid, m) in latest {
                upsert.bind(int: key, at: 1)
                upsert.bind(int: kid, at: 2)
                upsert.bind(int: m.step, at: 3)
                upsert.bind(int: m.time, at: 4)
                if m.value.isNaN { upsert.bindNull(at: 5) } else { upsert.bind(double: m.value, at: 5) }
                try upsert.run()
            }
        }
        for a in batch.artifacts {
            try c.run(
                "INSERT OR REPLACE INTO artifacts (run_id, path, size, sha256) VALUES (?, ?, ?, ?)",
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
        try Store.validate(batch)
        let keyIDs = try internKeys(Set(batch.metrics.map(\.key)))
        try db.write { c in
            let (key, stage) = try Store.runKey(c, runID)
            if stage != "active" {
                throw TrackerError(
                    .conflict, "run \(runID) must be in the 'active' state to log to it; it is \(stage)",
                    subject: .runNotActive(run: runID, state: stage))
            }
            try Store.writeBatch(c, runKey: key, runID: runID, batch: batch, keyIDs: keyIDs)
        }
    }

    /// Every recorded value of a metric, by step then time.
    public func metricHistory(runID: String, key: String, limit: Int? = nil, offset: Int = 0) throws -> [MetricPoint] {
        try db.read { c in
            let (runKey, _) = try Store.runKey(c, runID)
            guard let kid = try c.queryOne("SELECT id FROM metric_keys WHERE key = ?", [.text(key)], { $0.int64(0) }) else { return [] }
            return try c.query(
                "SELECT step, time, value FROM metrics WHERE run_id = ? AND key_id = ? ORDER BY step, time LIMIT ? OFFSET ?",
                [.integer(runKey), .integer(kid), .integer(Int64(limit ?? -1)), .integer(Int64(offset))]
            ) { MetricPoint(key: key, value: MetricValue.decode($0, 2), step: $0.int64(0), time: $0.int64(1)) }
        }
    }
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
