import Foundation
import SQLiteKit
import Synchronization
import TrackerCore

// MARK: - Runs

/// Runs, their params and tags, lifecycle and lookup by id or prefix.
public struct RunRepository: Sendable {
    let db: Database
}

extension RunRepository {
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
        runID: String = RunRepository.newRunID()
    ) throws -> RunInfo {
        guard let exp = try ExperimentRepository.findExperiment(c, id: experimentID) else {
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
        let key = try c.insert(
            "INSERT INTO runs (run_uuid, experiment_id, name, user_id, status, start_time, artifact_uri) VALUES (?, ?, ?, ?, 'RUNNING', ?, ?)",
            [.text(runID), .integer(experimentID), .text(runName), .text(userID), .integer(startTime), .text("\(base)/\(runID)/artifacts")])
        var allTags = tags.filter { $0.key != "mlflow.runName" }
        allTags.append(KeyValue("mlflow.runName", runName))
        if !userID.isEmpty && !allTags.contains(where: { $0.key == "mlflow.user" }) { allTags.append(KeyValue("mlflow.user", userID)) }
        for t in allTags {
            try Limits.validateKey(t.key, "tag key")
            try Limits.validateTagValue(t.key, t.value)
            try c.run(
                "INSERT INTO run_tags (run_id, key, value) VALUES (?, ?, ?) ON CONFLICT (run_id, key) DO UPDATE SET value = excluded.value",
                [.integer(key), .text(t.key), .text(t.value)])
        }
        return try c.queryOne("SELECT \(runColumns) FROM runs r WHERE r.id = ?", [.integer(key)]) { decodeRunInfo($0) }!
    }

    /// Starts a run in an experiment.
    public func createRun(
        experimentID: Int64, name: String = "", userID: String = RunRepository.currentUser(), startTime: Int64? = nil, tags: [KeyValue] = []
    ) throws -> RunInfo {
        try db.write { c in
            try RunRepository.insertRun(
                c, experimentID: experimentID, name: name, userID: userID, startTime: startTime ?? TimeParser.nowMillis(), tags: tags)
        }
    }

    /// Changes a run's status, end time or name.
    @discardableResult
    public func updateRun(runID: String, status: RunStatus? = nil, endTime: Int64? = nil, name: String? = nil) throws -> RunInfo {
        try db.write { c in try RunRepository.updateRun(c, runID: runID, status: status, endTime: endTime, name: name) }
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
            try c.run(
                "INSERT INTO run_tags (run_id, key, value) VALUES (?, 'mlflow.runName', ?) ON CONFLICT (run_id, key) DO UPDATE SET value = excluded.value",
                [.integer(key), .text(name)])
        }
        return try c.queryOne("SELECT \(runColumns) FROM runs r WHERE r.id = ?", [.integer(key)]) { decodeRunInfo($0) }!
    }

    /// Soft-deletes or restores a run.
    public func setRunLifecycle(runID: String, deleted: Bool) throws {
        try db.write { c in
            let (key, _) = try RunRepository.runKey(c, runID)
            try c.run("UPDATE runs SET lifecycle_stage = ? WHERE id = ?", [.text(deleted ? "deleted" : "active"), .integer(key)])
        }
    }

    /// Removes a tag from a run.
    public func deleteRunTag(runID: String, key: String) throws {
        try db.write { c in
            let (k, _) = try RunRepository.runKey(c, runID)
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
        if prefix.count < RunRepository.minimumRunIDPrefix {
            throw TrackerError.invalid(
                "run id '\(given)' is too short: give at least \(RunRepository.minimumRunIDPrefix) characters of it, or the full id from 'tracker run list'")
        }
        // Every id starting with the prefix sorts between it and the prefix + DEL (ids are hex).
        let matches = try db.read { c in
            try c.query(
                "SELECT run_uuid, name FROM runs WHERE run_uuid >= ? AND run_uuid < ? ORDER BY run_uuid LIMIT 11",
                [.text(prefix), .text(prefix + "\u{7F}")], { ($0.string(0), $0.string(1)) })
        }
        guard let first = matches.first else { throw RunRepository.notFoundRun(given) }
        if matches.count == 1 { return first.0 }
        let listed = matches.prefix(10).map { "\($0.0) (\($0.1.isEmpty ? "unnamed" : $0.1))" }.joined(separator: ", ")
        throw TrackerError.invalid(
            "run id '\(given)' is ambiguous: it matches \(matches.count > 10 ? "more than 10 runs" : "\(matches.count) runs"): \(listed); give more characters")
    }

    public func run(id runID: String) throws -> Run {
        try db.read { c in
            guard
                let (key, info) = try c.queryOne(
                    "SELECT r.id, \(RunRepository.runColumns) FROM runs r WHERE r.run_uuid = ?", [.text(runID)],
                    { row in
                        (row.int64(0), RunRepository.decodeRunInfo(row, from: 1))
                    })
            else { throw RunRepository.notFoundRun(runID) }
            return try RunRepository.loadRun(c, key: key, info: info)
        }
    }

    /// The OS user running this process ($USER, else "unknown").
    public static func currentUser() -> String {
        let env = ProcessInfo.processInfo.environment
        return env["USER"] ?? env["LOGNAME"] ?? NSUserName()
    }
}

// MARK: - Store façade: one-line forwards, so call sites stay as they are.

extension Store {
    /// Runs, their params and tags, lifecycle and lookup by id or prefix.
    public var runs: RunRepository { RunRepository(db: db) }
}
