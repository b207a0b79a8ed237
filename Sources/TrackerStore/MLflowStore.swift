import Foundation
import SQLiteKit
import TrackerCore

/// An MLflow 3 logged model.
public struct LoggedModel: Sendable, Equatable {
    public let id: String
    public let experimentID: Int64
    public let name: String
    public let sourceRunID: String?
    public let modelType: String
    public let status: String
    public let creationTime: Int64
    public let lastUpdateTime: Int64
    public var tags: [KeyValue] = []
    public var params: [KeyValue] = []

    /// `mlflow-artifacts:/<exp>/models/<id>/artifacts`
    public var artifactURI: String { "mlflow-artifacts:/\(experimentID)/models/\(id)/artifacts" }
}

/// Where an artifact path (below the artifact proxy root) points.
public enum ArtifactOwner: Sendable, Equatable {
    /// `<exp>/<run_id>/artifacts/<path>`
    case run(String)
    /// `<exp>/models/<model_id>/artifacts/<path>`
    case model(String)
}

/// An entry of an artifact listing.
public struct ArtifactEntry: Sendable, Equatable {
    public let name: String
    public let isDir: Bool
    public let size: Int64?
}

/// MLflow's logged models, the run outputs naming them, and the artifact records of runs and
/// logged models (the MLflow artifact API); `store.mlflow`.
public struct MLflowRepository: Sendable {
    let db: any SQLDatabase
}

extension Store {
    /// Logged models, run outputs and artifact records (the MLflow layer).
    public var mlflow: MLflowRepository { MLflowRepository(db: db) }
}

extension MLflowRepository {
    // MARK: - Logged models

    static func decodeLoggedModel(_ r: Row) -> LoggedModel {
        LoggedModel(
            id: r.string(0), experimentID: r.int64(1), name: r.string(2), sourceRunID: r.optionalString(3), modelType: r.string(4),
            status: r.string(5), creationTime: r.int64(6), lastUpdateTime: r.int64(7))
    }

    static let loggedModelColumns = "id, experiment_id, name, source_run_id, model_type, status, creation_time, last_update_time"

    static func loadLoggedModel(_ c: Connection, _ id: String) throws -> LoggedModel {
        guard var m = try c.queryOne("SELECT \(loggedModelColumns) FROM logged_models WHERE id = ?", [.text(id)], decodeLoggedModel) else {
            throw TrackerError.notFound("Logged model with ID '\(id)' not found.")
        }
        m.tags = try c.query("SELECT key, value FROM logged_model_tags WHERE model_id = ? ORDER BY key", [.text(id)]) {
            KeyValue($0.string(0), $0.string(1))
        }
        m.params = try c.query("SELECT key, value FROM logged_model_params WHERE model_id = ? ORDER BY key", [.text(id)]) {
            KeyValue($0.string(0), $0.string(1))
        }
        return m
    }

    /// Creates a logged model (status PENDING until finalized).
    public func createLoggedModel(
        experimentID: Int64, name: String, sourceRunID: String?, modelType: String, params: [KeyValue], tags: [KeyValue]
    ) throws -> LoggedModel {
        try db.write { c in
            guard try ExperimentRepository.findExperiment(c, id: experimentID) != nil else {
                throw TrackerError.notFound("No Experiment with id=\(experimentID) exists")
            }
            // The source run may belong to another tracking server (as MLflow allows): not checked.
            let id = "m-" + RunRepository.newRunID()
            let now = TimeParser.nowMillis()
            try c.run(
                "INSERT INTO logged_models (id, experiment_id, name, source_run_id, model_type, creation_time, last_update_time) VALUES (?, ?, ?, ?, ?, ?, ?)",
                [
                    .text(id), .integer(experimentID), .text(name.isEmpty ? "model" : name), sourceRunID.map { .text($0) } ?? .null,
                    .text(modelType), .integer(now), .integer(now),
                ])
            for p in params {
                try c.run(
                    "INSERT INTO logged_model_params (model_id, key, value) VALUES (?, ?, ?) ON CONFLICT (model_id, key) DO UPDATE SET value = excluded.value",
                    [.text(id), .text(p.key), .text(p.value)])
            }
            for t in tags {
                try c.run(
                    "INSERT INTO logged_model_tags (model_id, key, value) VALUES (?, ?, ?) ON CONFLICT (model_id, key) DO UPDATE SET value = excluded.value",
                    [.text(id), .text(t.key), .text(t.value)])
            }
            return try MLflowRepository.loadLoggedModel(c, id)
        }
    }

    /// A logged model by id.
    public func loggedModel(id: String) throws -> LoggedModel {
        try db.read { try MLflowRepository.loadLoggedModel($0, id) }
    }

    /// Sets a logged model's status (finalize).
    public func setLoggedModelStatus(id: String, status: String) throws -> LoggedModel {
        try db.write { c in
            _ = try MLflowRepository.loadLoggedModel(c, id)
            try c.run(
                "UPDATE logged_models SET status = ?, last_update_time = ? WHERE id = ?",
                [.text(status), .integer(TimeParser.nowMillis()), .text(id)])
            return try MLflowRepository.loadLoggedModel(c, id)
        }
    }

    /// Sets (or with `delete`, removes) tags of a logged model.
    public func setLoggedModelTags(id: String, tags: [KeyValue], delete: [String] = []) throws {
        try db.write { c in
            _ = try MLflowRepository.loadLoggedModel(c, id)
            for t in tags {
                try c.run(
                    "INSERT INTO logged_model_tags (model_id, key, value) VALUES (?, ?, ?) ON CONFLICT (model_id, key) DO UPDATE SET value = excluded.value",
                    [.text(id), .text(t.key), .text(t.value)])
            }
            for k in delete where try c.run("DELETE FROM logged_model_tags WHERE model_id = ? AND key = ?", [.text(id), .text(k)]) == 0 {
                throw TrackerError.notFound("No tag with key '\(k)' found for model with ID '\(id)'.")
            }
        }
    }

    /// Adds params to a logged model.
    public func logLoggedModelParams(id: String, params: [KeyValue]) throws {
        try db.write { c in
            _ = try MLflowRepository.loadLoggedModel(c, id)
            for p in params {
                try c.run(
                    "INSERT INTO logged_model_params (model_id, key, value) VALUES (?, ?, ?) ON CONFLICT (model_id, key) DO UPDATE SET value = excluded.value",
                    [.text(id), .text(p.key), .text(p.value)])
            }
        }
    }

    /// Deletes a logged model.
    public func deleteLoggedModel(id: String) throws {
        try db.write { c in
            _ = try MLflowRepository.loadLoggedModel(c, id)
            try c.run("DELETE FROM logged_models WHERE id = ?", [.text(id)])
        }
    }

    /// Logged models of some experiments, newest first, optionally filtered (`name = 'x'` etc.).
    public func searchLoggedModels(experimentIDs: [Int64], filter: String, limit: Int, offset: Int) throws -> [LoggedModel] {
        let clauses = try SimpleFilter.parse(filter)
        let all = try db.read { c -> [LoggedModel] in
            let ids = experimentIDs.map { String($0) }.joined(separator: ",")
            let sql =
                "SELECT \(MLflowRepository.loggedModelColumns) FROM logged_models" + (experimentIDs.isEmpty ? "" : " WHERE experiment_id IN (\(ids))")
                + " ORDER BY creation_time DESC, id"
            return try c.query(sql, [], cache: false, MLflowRepository.decodeLoggedModel).map { try MLflowRepository.loadLoggedModel(c, $0.id) }
        }
        let matched = all.filter { m in
            clauses.allSatisfy { cl in
                switch cl.key {
                case "name": return SimpleFilter.matches(cl, m.name)
                case "model_id": return SimpleFilter.matches(cl, m.id)
                case "source_run_id": return SimpleFilter.matches(cl, m.sourceRunID)
                case "status": return SimpleFilter.matches(cl, m.status)
                case "tags": return SimpleFilter.matches(cl, m.tags.first { $0.key == cl.tag }?.value)
                default: return false
                }
            }
        }
        return Array(matched.dropFirst(offset).prefix(limit))
    }

    /// Records models as outputs of a run.
    public func logRunOutputs(runID: String, models: [(String, Int64)]) throws {
        try db.write { c in
            let (key, _) = try RunRepository.runKey(c, runID)
            for (mid, step) in models {
                _ = try MLflowRepository.loadLoggedModel(c, mid)
                try c.run(
                    "INSERT INTO run_outputs (run_id, model_id, step) VALUES (?, ?, ?) ON CONFLICT (run_id, model_id) DO UPDATE SET step = excluded.step",
                    [.integer(key), .text(mid), .integer(step)])
            }
        }
    }

    /// The models a run produced.
    public func runOutputs(runID: String) throws -> [(modelID: String, step: Int64)] {
        try db.read { c in
            let (key, _) = try RunRepository.runKey(c, runID)
            return try c.query("SELECT model_id, step FROM run_outputs WHERE run_id = ? ORDER BY model_id", [.integer(key)]) {
                ($0.string(0), $0.int64(1))
            }
        }
    }

    // MARK: - Artifacts addressed by path

    /// Records an artifact file of a run or logged model (the bytes are already in the store).
    public func putArtifact(_ owner: ArtifactOwner, _ record: ArtifactRecord) throws {
        try db.write { c in
            switch owner {
            case .run(let runID):
                let (key, _) = try RunRepository.runKey(c, runID)
                try c.run(
                    "INSERT INTO artifacts (run_id, path, size, sha256) VALUES (?, ?, ?, ?) ON CONFLICT (run_id, path) DO UPDATE SET size = excluded.size, sha256 = excluded.sha256",
                    [.integer(key), .text(record.path), .integer(record.size), .text(record.sha256)])
            case .model(let id):
                _ = try MLflowRepository.loadLoggedModel(c, id)
                try c.run(
                    "INSERT INTO logged_model_artifacts (model_id, path, size, sha256) VALUES (?, ?, ?, ?) ON CONFLICT (model_id, path) DO UPDATE SET size = excluded.size, sha256 = excluded.sha256",
                    [.text(id), .text(record.path), .integer(record.size), .text(record.sha256)])
            }
        }
    }

    static func artifactRecords(_ c: Connection, _ owner: ArtifactOwner) throws -> [ArtifactRecord] {
        switch owner {
        case .run(let runID):
            let (key, _) = try RunRepository.runKey(c, runID)
            return try c.query("SELECT path, size, sha256 FROM artifacts WHERE run_id = ? ORDER BY path", [.integer(key)]) {
                ArtifactRecord(path: $0.string(0), size: $0.int64(1), sha256: $0.string(2))
            }
        case .model(let id):
            _ = try loadLoggedModel(c, id)
            return try c.query("SELECT path, size, sha256 FROM logged_model_artifacts WHERE model_id = ? ORDER BY path", [.text(id)]) {
                ArtifactRecord(path: $0.string(0), size: $0.int64(1), sha256: $0.string(2))
            }
        }
    }

    /// The file at `path`, if there is one.
    public func artifact(_ owner: ArtifactOwner, path: String) throws -> ArtifactRecord? {
        try db.read { c in
            let decode = { (r: Row) in ArtifactRecord(path: r.string(0), size: r.int64(1), sha256: r.string(2)) }
            switch owner {
            case .run(let runID):
                let (key, _) = try RunRepository.runKey(c, runID)
                return try c.queryOne("SELECT path, size, sha256 FROM artifacts WHERE run_id = ? AND path = ?", [.integer(key), .text(path)], decode)
            case .model(let id):
                _ = try MLflowRepository.loadLoggedModel(c, id)
                return try c.queryOne(
                    "SELECT path, size, sha256 FROM logged_model_artifacts WHERE model_id = ? AND path = ?", [.text(id), .text(path)], decode)
            }
        }
    }

    /// Throws `notFound` unless the run or logged model exists (checked before an upload).
    public func checkArtifactOwner(_ owner: ArtifactOwner) throws {
        try db.read { c in
            switch owner {
            case .run(let runID): _ = try RunRepository.runKey(c, runID)
            case .model(let id): _ = try MLflowRepository.loadLoggedModel(c, id)
            }
        }
    }

    /// The artifact proxy's root folders: ids of the experiments that hold any run or logged-model
    /// artifact, sorted as names (the reference lists its artifact directory).
    public func artifactExperimentFolders() throws -> [String] {
        let sql = """
            SELECT r.experiment_id FROM artifacts a JOIN runs r ON r.id = a.run_id
            UNION SELECT m.experiment_id FROM logged_model_artifacts la JOIN logged_models m ON m.id = la.model_id
            """
        return try db.read { c in try c.query(sql, []) { String($0.int64(0)) } }.sorted()
    }

    /// Immediate children of the folder `prefix` ('' = the root): names relative to it.
    public func listArtifacts(_ owner: ArtifactOwner, prefix: String) throws -> [ArtifactEntry] {
        let records = try db.read { c in try MLflowRepository.artifactRecords(c, owner) }
        let base = prefix.isEmpty ? "" : prefix + "/"
        var dirs = Set<String>()
        var out: [ArtifactEntry] = []
        for r in records where r.path.hasPrefix(base) {
            let rest = r.path.dropFirst(base.count)
            if let slash = rest.firstIndex(of: "/") {
                let d = String(rest[..<slash])
                if dirs.insert(d).inserted { out.append(ArtifactEntry(name: d, isDir: true, size: nil)) }
            } else {
                out.append(ArtifactEntry(name: String(rest), isDir: false, size: r.size))
            }
        }
        return out.sorted { $0.name < $1.name }
    }

    /// Deletes a file or a folder's files.
    public func deleteArtifacts(_ owner: ArtifactOwner, path: String) throws {
        try db.write { c in
            switch owner {
            case .run(let runID):
                let (key, _) = try RunRepository.runKey(c, runID)
                try c.run(
                    "DELETE FROM artifacts WHERE run_id = ? AND (path = ? OR substr(path, 1, length(?) + 1) = ? || '/' OR ? = '')",
                    [.integer(key), .text(path), .text(path), .text(path), .text(path)])
            case .model(let id):
                try c.run(
                    "DELETE FROM logged_model_artifacts WHERE model_id = ? AND (path = ? OR substr(path, 1, length(?) + 1) = ? || '/' OR ? = '')",
                    [.text(id), .text(path), .text(path), .text(path), .text(path)])
            }
        }
    }
}
