import Foundation
import SQLiteKit
import TrackerCore

extension RegistryRepository {
    /// Creates a version through the MLflow API: the model must exist; the run comes from
    /// `runID` or from the logged model's source run. Offline metrics are snapshotted as with
    /// `tracker model register`, so the version can be promoted through gates.
    public func createModelVersion(
        name: String, source: String, runID: String?, modelID: String?, description: String, tags: [KeyValue]
    ) throws -> ModelVersion {
        _ = try model(named: name)
        let logged = try modelID.map { try MLflowRepository(db: db).loggedModel(id: $0) }
        var run = runID ?? logged?.sourceRunID
        // Registries are often fed from other tracking servers: a run that is not ours is kept as
        // an external reference (a reserved version tag) instead of being refused.
        var allTags = tags
        if let r = run, try db.read({ c in try c.queryOne("SELECT 1 FROM runs WHERE run_uuid = ?", [.text(r)]) { $0.int(0) } }) == nil {
            allTags.append(KeyValue(RegistryRepository.externalRunTag, r))
            run = nil
        }
        let v = try registerVersion(name: name, runID: run, source: source, description: description, tags: allTags)
        if let modelID, let logged {
            try db.write { c in try c.run("UPDATE model_versions SET logged_model_id = ? WHERE id = ?", [.text(modelID), .integer(v.id)]) }
            try recordModelVersion(of: logged, name: name, version: v.version)
        }
        return try version(model: name, ref: String(v.version))
    }

    /// The version tag that holds the id of a run kept on another tracking server.
    public static let externalRunTag = "tracker.externalRunId"

    /// Appends `{"name", "version"}` to the logged model's `mlflow.modelVersions` tag (as the
    /// reference does, in Python's `json.dumps` layout).
    func recordModelVersion(of m: LoggedModel, name: String, version: Int) throws {
        var entries: [JSON] = []
        if let old = m.tags.first(where: { $0.key == "mlflow.modelVersions" })?.value, let a = try? JSON.parse(Array(old.utf8)).arrayValue {
            entries = a
        }
        let entry = JSON.object([("name", .string(name)), ("version", .int(Int64(version)))])
        if !entries.contains(entry) { entries.append(entry) }
        let text =
            "["
            + entries.map { e in "{\"name\": \(e["name"]?.serialized() ?? "\"\""), \"version\": \(e["version"]?.serialized() ?? "\"\"")}" }
            .joined(separator: ", ") + "]"
        try MLflowRepository(db: db).setLoggedModelTags(id: m.id, tags: [KeyValue("mlflow.modelVersions", text)])
    }

    /// The logged model behind a version, if it came from one.
    public func modelIDOfVersion(model: String, version: Int) throws -> String? {
        try db.read { c in
            let v = try RegistryRepository.versionRow(c, model: model, version: version)
            return try c.queryOne("SELECT logged_model_id FROM model_versions WHERE id = ?", [.integer(v.id)]) { $0.optionalString(0) }
                ?? nil
        }
    }

    /// Moves a version to a stage (None, Staging, Production, Archived); optionally archives the
    /// other versions in that stage.
    public func transitionStage(model: String, version: Int, stage: String, archiveExisting: Bool) throws -> ModelVersion {
        let canonical = ["none": "None", "staging": "Staging", "production": "Production", "archived": "Archived"][stage.lowercased()]
        guard let canonical else {
            throw TrackerError.invalid("Invalid Model Version stage: \(stage). Value must be one of None, Staging, Production, Archived.")
        }
        return try db.write { c in
            let v = try RegistryRepository.versionRow(c, model: model, version: version)
            let m = try RegistryRepository.modelRow(c, model)
            let now = TimeParser.nowMillis()
            if archiveExisting && (canonical == "Staging" || canonical == "Production") {
                try c.run(
                    "UPDATE model_versions SET stage = 'Archived', last_update_time = ? WHERE model_id = ? AND stage = ? AND id != ?",
                    [.integer(now), .integer(m.id), .text(canonical), .integer(v.id)])
            }
            try c.run(
                "UPDATE model_versions SET stage = ?, last_update_time = ? WHERE id = ?", [.text(canonical), .integer(now), .integer(v.id)])
            return try RegistryRepository.versionRow(c, model: model, version: version)
        }
    }

    /// Aliases of a model: (alias, version).
    public func aliases(model: String) throws -> [(String, Int)] {
        try db.read { c in
            let m = try RegistryRepository.modelRow(c, model)
            return try c.query(
                "SELECT a.alias, v.version FROM model_aliases a JOIN model_versions v ON v.id = a.version_id WHERE a.model_id = ? ORDER BY a.alias",
                [.integer(m.id)]
            ) { ($0.string(0), $0.int(1)) }
        }
    }

    /// Sets or deletes a tag on a registered model or one of its versions.
    public func setRegistryTag(model: String, version: Int?, key: String, value: String?) throws {
        try db.write { c in
            let m = try RegistryRepository.modelRow(c, model)
            if let version {
                let v = try RegistryRepository.versionRow(c, model: model, version: version)
                if let value {
                    try c.run(
                        "INSERT INTO model_version_tags (version_id, key, value) VALUES (?, ?, ?) ON CONFLICT (version_id, key) DO UPDATE SET value = excluded.value",
                        [.integer(v.id), .text(key), .text(value)])
                } else {
                    try c.run("DELETE FROM model_version_tags WHERE version_id = ? AND key = ?", [.integer(v.id), .text(key)])
                }
            } else if let value {
                try c.run(
                    "INSERT INTO registered_model_tags (model_id, key, value) VALUES (?, ?, ?) ON CONFLICT (model_id, key) DO UPDATE SET value = excluded.value",
                    [.integer(m.id), .text(key), .text(value)])
            } else {
                try c.run("DELETE FROM registered_model_tags WHERE model_id = ? AND key = ?", [.integer(m.id), .text(key)])
            }
        }
    }

    /// Renames a registered model.
    public func renameModel(_ name: String, to newName: String) throws {
        try db.write { c in
            let m = try RegistryRepository.modelRow(c, name)
            do {
                try c.run(
                    "UPDATE registered_models SET name = ?, last_update_time = ? WHERE id = ?",
                    [.text(newName), .integer(TimeParser.nowMillis()), .integer(m.id)])
            } catch let e as SQLiteError where e.isUniqueViolation {
                throw TrackerError(.alreadyExists, "Registered Model (name=\(newName)) already exists.")
            }
        }
    }

    /// Updates the description of a model or version.
    public func updateDescription(model: String, version: Int?, description: String) throws {
        try db.write { c in
            let m = try RegistryRepository.modelRow(c, model)
            let now = TimeParser.nowMillis()
            if let version {
                let v = try RegistryRepository.versionRow(c, model: model, version: version)
                try c.run(
                    "UPDATE model_versions SET description = ?, last_update_time = ? WHERE id = ?",
                    [.text(description), .integer(now), .integer(v.id)])
            } else {
                try c.run(
                    "UPDATE registered_models SET description = ?, last_update_time = ? WHERE id = ?",
                    [.text(description), .integer(now), .integer(m.id)])
            }
        }
    }

    /// Deletes a version, or a whole model. Refused when it has deployment history (the ledger is
    /// forever).
    public func deleteRegistryEntry(model: String, version: Int?) throws {
        try db.write { c in
            let m = try RegistryRepository.modelRow(c, model)
            let deployed =
                try c.queryOne(
                    "SELECT count(*) FROM deployment_ledger WHERE model_id = ? AND (? IS NULL OR to_version = ?)",
                    [.integer(m.id), version.map { .integer(Int64($0)) } ?? .null, version.map { .integer(Int64($0)) } ?? .null],
                    { $0.int(0) }) ?? 0
            if deployed > 0 {
                throw TrackerError.invalid(
                    "\(model)\(version.map { " version \($0)" } ?? "") has deployment history, which is kept forever; it cannot be deleted")
            }
            if let version {
                let v = try RegistryRepository.versionRow(c, model: model, version: version)
                try c.run("DELETE FROM model_versions WHERE id = ?", [.integer(v.id)])
            } else {
                try c.run("DELETE FROM gate_policies WHERE model_id = ?", [.integer(m.id)])
                try c.run("DELETE FROM live_settings WHERE model_id = ?", [.integer(m.id)])
                try c.run("DELETE FROM registered_models WHERE id = ?", [.integer(m.id)])
            }
        }
    }
}
