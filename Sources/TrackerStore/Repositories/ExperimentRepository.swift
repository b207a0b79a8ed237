import Foundation
import SQLiteKit
import Synchronization
import TrackerCore

// MARK: - Experiments

/// Experiments and their tags.
public struct ExperimentRepository: Sendable {
    let db: Database
}

extension ExperimentRepository {
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
        // Checked before the INSERT: a refused INSERT still uses up an id on PostgreSQL (identity
        // values are not given back on rollback), where MLflow's next id is one more. Writers are
        // serialized on both backends, so the check cannot race.
        if try findExperiment(c, name: name) != nil {
            throw TrackerError(.alreadyExists, "experiment '\(name)' already exists", subject: .experimentName(name))
        }
        let id: Int64
        do {
            id = try c.insert(
                "INSERT INTO experiments (name, description, artifact_location, creation_time, last_update_time) VALUES (?, ?, '', ?, ?)",
                [.text(name), .text(description), .integer(now), .integer(now)])
        } catch let e as SQLiteError where e.isUniqueViolation {
            throw TrackerError(.alreadyExists, "experiment '\(name)' already exists", subject: .experimentName(name))
        }
        try c.run(
            "UPDATE experiments SET artifact_location = ? WHERE id = ?",
            [.text(artifactLocation ?? "mlflow-artifacts:/\(id)"), .integer(id)])
        for t in tags {
            try c.run(
                "INSERT INTO experiment_tags (experiment_id, key, value) VALUES (?, ?, ?) ON CONFLICT (experiment_id, key) DO UPDATE SET value = excluded.value",
                [.integer(id), .text(t.key), .text(t.value)])
        }
        return try findExperiment(c, id: id)!
    }

    /// Creates an experiment; an existing name is an `alreadyExists` error.
    public func createExperiment(
        name: String, description: String = "", artifactLocation: String? = nil, tags: [KeyValue] = []
    ) throws -> Experiment {
        try db.write { c in
            try ExperimentRepository.insertExperiment(
                c, name: name, description: description, artifactLocation: artifactLocation, tags: tags, now: TimeParser.nowMillis())
        }
    }

    /// The experiment with this name, created if missing.
    public func ensureExperiment(name: String) throws -> Experiment {
        try ensureExperiment(named: name).experiment
    }

    /// The experiment with this name, created if missing; `created` says whether this call made it.
    public func ensureExperiment(named name: String) throws -> (experiment: Experiment, created: Bool) {
        if let e = try db.read({ try ExperimentRepository.findExperiment($0, name: name) }) { return (e, false) }
        return try db.write { c in
            if let e = try ExperimentRepository.findExperiment(c, name: name) { return (e, false) }
            let e = try ExperimentRepository.insertExperiment(c, name: name, description: "", artifactLocation: nil, tags: [], now: TimeParser.nowMillis())
            return (e, true)
        }
    }

    /// The experiment with this name, or nil.
    public func experiment(named name: String) throws -> Experiment? {
        try db.read { try ExperimentRepository.findExperiment($0, name: name) }
    }

    /// The experiment with this id, or nil.
    public func experiment(id: Int64) throws -> Experiment? {
        try db.read { try ExperimentRepository.findExperiment($0, id: id) }
    }

    /// Experiments by id, filtered by lifecycle.
    public func listExperiments(view: ViewType = .activeOnly) throws -> [Experiment] {
        try db.read { c in
            let rows = try c.query(
                "SELECT \(ExperimentRepository.experimentColumns) FROM experiments WHERE (? = 'ALL' OR (? = 'ACTIVE_ONLY') = (lifecycle_stage = 'active')) ORDER BY id",
                [.text(view.rawValue), .text(view.rawValue)], ExperimentRepository.decodeExperiment)
            return try rows.map { e in
                var e = e
                e.tags = try ExperimentRepository.experimentTags(c, e.id)
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
            guard try ExperimentRepository.findExperiment(c, id: id) != nil else {
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
                    "INSERT INTO experiment_tags (experiment_id, key, value) VALUES (?, ?, ?) ON CONFLICT (experiment_id, key) DO UPDATE SET value = excluded.value",
                    [.integer(id), .text(t.key), .text(t.value)])
            }
            if let k = deleteTag {
                try c.run("DELETE FROM experiment_tags WHERE experiment_id = ? AND key = ?", [.integer(id), .text(k)])
            }
        }
    }
}

// MARK: - Store façade: one-line forwards, so call sites stay as they are.

extension Store {
    /// Experiments and their tags.
    public var experiments: ExperimentRepository { ExperimentRepository(db: db) }
}
