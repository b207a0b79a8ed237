import Foundation
import SQLiteKit
import TrackerCore

/// A registered model.
public struct RegisteredModel: Sendable, Equatable {
    public let id: Int64
    public let name: String
    public let description: String
    public let creationTime: Int64
    public let lastUpdateTime: Int64
}

/// One version of a model, with its offline metrics.
public struct ModelVersion: Sendable, Equatable {
    public let id: Int64
    public let model: String
    public let version: Int
    public let runID: String?
    public let source: String
    public let artifactPath: String?
    public let artifactSHA256: String?
    public let description: String
    public let userID: String
    public let status: String
    public let stage: String
    public let creationTime: Int64
    public let lastUpdateTime: Int64
    /// Effective offline metrics: for each key, the most recent result (an eval overrides the
    /// registration snapshot).
    public var offlineMetrics: [String: Double] = [:]
    public var aliases: [String] = []
    public var tags: [KeyValue] = []
}

/// An offline result row: key, value, dataset ('' = registration snapshot), time.
public struct OfflineMetric: Sendable, Equatable {
    public let key: String
    public let value: Double
    public let dataset: String
    public let time: Int64
}

/// Registered models, their versions, offline metrics and aliases.
public struct RegistryRepository: Sendable {
    let db: Database
}

extension RegistryRepository {
    static func modelNotFound(_ c: Connection, _ name: String) throws -> TrackerError {
        let names = try c.query("SELECT name FROM registered_models ORDER BY name") { $0.string(0) }
        return TrackerError.notFound(
            "model '\(name)' not found; \(names.isEmpty ? "no models are registered yet (tracker model register NAME --run RUN_ID)" : "models: " + names.joined(separator: ", "))",
            subject: .model(name))
    }

    static func modelRow(_ c: Connection, _ name: String) throws -> RegisteredModel {
        guard
            let m = try c.queryOne(
                "SELECT id, name, description, creation_time, last_update_time FROM registered_models WHERE name = ?", [.text(name)],
                {
                    RegisteredModel(
                        id: $0.int64(0), name: $0.string(1), description: $0.string(2), creationTime: $0.int64(3),
                        lastUpdateTime: $0.int64(4))
                }
            )
        else { throw try modelNotFound(c, name) }
        return m
    }

    static let versionColumns = """
        v.id, m.name, v.version, r.run_uuid, v.source, v.artifact_path, v.artifact_sha256, v.description, v.user_id, v.status, v.stage,
        v.creation_time, v.last_update_time
        """

    static func decodeVersion(_ r: Row) -> ModelVersion {
        ModelVersion(
            id: r.int64(0), model: r.string(1), version: r.int(2), runID: r.optionalString(3), source: r.string(4),
            artifactPath: r.optionalString(5), artifactSHA256: r.optionalString(6), description: r.string(7), userID: r.string(8),
            status: r.string(9), stage: r.string(10), creationTime: r.int64(11), lastUpdateTime: r.int64(12))
    }

    static func fillVersion(_ c: Connection, _ v: ModelVersion) throws -> ModelVersion {
        var v = v
        for m in try offlineMetrics(c, versionID: v.id) where v.offlineMetrics[m.key] == nil { v.offlineMetrics[m.key] = m.value }
        v.aliases = try c.query("SELECT alias FROM model_aliases WHERE version_id = ? ORDER BY alias", [.integer(v.id)]) { $0.string(0) }
        v.tags = try c.query("SELECT key, value FROM model_version_tags WHERE version_id = ? ORDER BY key", [.integer(v.id)]) {
            KeyValue($0.string(0), $0.string(1))
        }
        return v
    }

    /// Offline rows of a version, newest first.
    static func offlineMetrics(_ c: Connection, versionID: Int64) throws -> [OfflineMetric] {
        try c.query(
            "SELECT key, value, dataset, time FROM offline_metrics WHERE version_id = ? ORDER BY time DESC, dataset DESC, key",
            [.integer(versionID)]
        ) { OfflineMetric(key: $0.string(0), value: MetricValue.decode($0, 1), dataset: $0.string(2), time: $0.int64(3)) }
    }

    /// A version by number, or throws naming the versions that exist.
    static func versionRow(_ c: Connection, model: String, version: Int) throws -> ModelVersion {
        let m = try modelRow(c, model)
        guard
            let v = try c.queryOne(
                "SELECT \(versionColumns) FROM model_versions v JOIN registered_models m ON m.id = v.model_id LEFT JOIN runs r ON r.id = v.run_id WHERE v.model_id = ? AND v.version = ?",
                [.integer(m.id), .integer(Int64(version))], decodeVersion)
        else {
            let versions = try c.query("SELECT version FROM model_versions WHERE model_id = ? ORDER BY version", [.integer(m.id)]) {
                String($0.int(0))
            }
            throw TrackerError.notFound(
                "model '\(model)' has no version \(version); versions: \(versions.isEmpty ? "none" : versions.joined(separator: ", "))",
                subject: .version(model: model, version: version))
        }
        return try fillVersion(c, v)
    }

    /// Resolves `3`, `v3` or an alias (`champion`, `@champion`) to a version number.
    /// The alias a version reference names (`champion`, `@champion`), or nil for a number (`3`, `v3`).
    public static func alias(inVersionRef ref: String) -> String? {
        if ref.hasPrefix("@") { return String(ref.dropFirst()) }
        return Int(ref.hasPrefix("v") ? String(ref.dropFirst()) : ref) == nil ? ref : nil
    }

    static func resolveVersion(_ c: Connection, model: String, ref: String) throws -> Int {
        var r = ref
        if r.hasPrefix("@") { r.removeFirst() } else if let n = Int(r.hasPrefix("v") ? String(r.dropFirst()) : r) { return n }
        let m = try modelRow(c, model)
        guard
            let v = try c.queryOne(
                "SELECT v.version FROM model_aliases a JOIN model_versions v ON v.id = a.version_id WHERE a.model_id = ? AND a.alias = ?",
                [.integer(m.id), .text(r)], { $0.int(0) })
        else {
            let aliases = try c.query("SELECT alias FROM model_aliases WHERE model_id = ? ORDER BY alias", [.integer(m.id)]) {
                $0.string(0)
            }
            throw TrackerError.notFound(
                "model '\(model)' has no version or alias '\(ref)'; aliases: \(aliases.isEmpty ? "none" : aliases.joined(separator: ", "))")
        }
        return v
    }

    /// Creates the model if needed (`alreadyExists` only when `mustBeNew`).
    static func ensureModel(_ c: Connection, name: String, description: String, now: Int64, mustBeNew: Bool = false) throws -> Int64 {
        if name.isEmpty || name.utf8.count > 256 { throw TrackerError.invalid("model name must be 1–256 characters") }
        if let id = try c.queryOne("SELECT id FROM registered_models WHERE name = ?", [.text(name)], { $0.int64(0) }) {
            if mustBeNew { throw TrackerError(.alreadyExists, "registered model '\(name)' already exists") }
            return id
        }
        return try c.insert(
            "INSERT INTO registered_models (name, description, creation_time, last_update_time) VALUES (?, ?, ?, ?)",
            [.text(name), .text(description), .integer(now), .integer(now)])
    }

    /// Creates a registered model (the MLflow API's `registered-models/create`).
    public func createModel(name: String, description: String = "", tags: [KeyValue] = []) throws -> RegisteredModel {
        try db.write { c in
            let id = try RegistryRepository.ensureModel(c, name: name, description: description, now: TimeParser.nowMillis(), mustBeNew: true)
            for t in tags {
                try c.run(
                    "INSERT INTO registered_model_tags (model_id, key, value) VALUES (?, ?, ?) ON CONFLICT (model_id, key) DO UPDATE SET value = excluded.value",
                    [.integer(id), .text(t.key), .text(t.value)])
            }
            return try RegistryRepository.modelRow(c, name)
        }
    }

    /// Registers a new version of `name` (created on first use) from a run. Snapshots the
    /// run's latest metrics as offline metrics; `metricMap` adds renamed copies
    /// (live name → run metric). `artifact` names a file or folder inside the run; its
    /// SHA-256 is recorded (for a folder, a digest over its files' paths and digests).
    public func registerVersion(
        name: String, runID: String?, artifact: String? = nil, source: String? = nil, description: String = "",
        metricMap: [KeyValue] = [], tags: [KeyValue] = [], userID: String = RunRepository.currentUser(), now: Int64? = nil
    ) throws -> ModelVersion {
        try db.write { c in
            let now = now ?? TimeParser.nowMillis()
            var runKey: Int64?
            var runMetrics: [String: Double] = [:]
            var sha: String?
            if let runID {
                let (key, _) = try RunRepository.runKey(c, runID)
                runKey = key
                runMetrics = try Self.latestMetrics(c, runKey: key)
                if let artifact, !artifact.isEmpty { sha = try Self.artifactDigest(c, runID: runID, runKey: key, artifact: artifact) }
            }
            try Self.checkMetricMap(metricMap, runMetrics: runMetrics)
            let modelID = try RegistryRepository.ensureModel(c, name: name, description: "", now: now)
            let next =
                (try c.queryOne("SELECT max(version) FROM model_versions WHERE model_id = ?", [.integer(modelID)]) { $0.int(0) } ?? 0) + 1
            let src = source ?? runID.map { "runs:/\($0)/\(artifact ?? "")" } ?? ""
            let versionID = try c.insert(
                """
                INSERT INTO model_versions (model_id, version, run_id, source, artifact_path, artifact_sha256, description, user_id, creation_time, last_update_time)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
                [
                    .integer(modelID), .integer(Int64(next)), runKey.map { .integer($0) } ?? .null, .text(src),
                    artifact.map { .text($0) } ?? .null,
                    sha.map { .text($0) } ?? .null, .text(description), .text(userID), .integer(now), .integer(now),
                ])
            var snapshot = runMetrics
            for m in metricMap { snapshot[m.key] = runMetrics[m.value] }
            try Self.insertVersionDetails(c, versionID: versionID, offline: snapshot, tags: tags, now: now)
            try c.run("UPDATE registered_models SET last_update_time = ? WHERE id = ?", [.integer(now), .integer(modelID)])
            return try RegistryRepository.versionRow(c, model: name, version: next)
        }
    }

    /// Refuses a `--metric live=run` whose run metric the run does not have, listing those it has.
    static func checkMetricMap(_ metricMap: [KeyValue], runMetrics: [String: Double]) throws {
        for m in metricMap where runMetrics[m.value] == nil {
            let known = runMetrics.keys.sorted().joined(separator: ", ")
            throw TrackerError.invalid(
                "--metric \(m.key)=\(m.value): the run has no metric '\(m.value)' (it has: \(known.isEmpty ? "none" : known))")
        }
    }

    /// A run's latest value of each metric, by key.
    static func latestMetrics(_ c: Connection, runKey: Int64) throws -> [String: Double] {
        var out: [String: Double] = [:]
        for m in try c.query(
            "SELECT k.key, l.value FROM latest_metrics l JOIN metric_keys k ON k.id = l.key_id WHERE l.run_id = ?", [.integer(runKey)],
            { ($0.string(0), MetricValue.decode($0, 1)) })
        {
            out[m.0] = m.1
        }
        return out
    }

    /// The SHA-256 of a run's artifact file, or for a folder a digest over its files' paths and
    /// digests; a missing artifact is refused with the run's artifacts listed.
    static func artifactDigest(_ c: Connection, runID: String, runKey key: Int64, artifact: String) throws -> String {
        let rows = try c.query(
            "SELECT path, sha256 FROM artifacts WHERE run_id = ? AND (path = ? OR substr(path, 1, length(?) + 1) = ? || '/') ORDER BY path",
            [.integer(key), .text(artifact), .text(artifact), .text(artifact)]
        ) { ($0.string(0), $0.string(1)) }
        if rows.isEmpty {
            let all = try c.query("SELECT path FROM artifacts WHERE run_id = ? ORDER BY path", [.integer(key)]) { $0.string(0) }
            throw TrackerError.notFound(
                "run \(runID) has no artifact '\(artifact)'; its artifacts: \(all.isEmpty ? "none" : all.joined(separator: ", "))"
            )
        }
        return rows.count == 1 && rows[0].0 == artifact
            ? rows[0].1 : SHA256.hex(Array(rows.map { "\($0.0) \($0.1)\n" }.joined().utf8))
    }

    /// A new version's offline metrics (dataset '') and tags.
    static func insertVersionDetails(_ c: Connection, versionID: Int64, offline: [String: Double], tags: [KeyValue], now: Int64) throws {
        for (k, v) in offline {
            try c.run(
                "INSERT INTO offline_metrics (version_id, dataset, key, value, time) VALUES (?, '', ?, ?, ?)",
                [.integer(versionID), .text(k), v.isNaN ? .null : .real(v), .integer(now)])
        }
        for t in tags {
            try c.run(
                "INSERT INTO model_version_tags (version_id, key, value) VALUES (?, ?, ?) ON CONFLICT (version_id, key) DO UPDATE SET value = excluded.value",
                [.integer(versionID), .text(t.key), .text(t.value)])
        }
    }

    /// Adds offline results computed later (e.g. on a fresh holdout) to a version.
    public func addOfflineMetrics(model: String, versionRef: String, metrics: [(String, Double)], dataset: String) throws -> ModelVersion {
        try db.write { c in
            let n = try RegistryRepository.resolveVersion(c, model: model, ref: versionRef)
            let v = try RegistryRepository.versionRow(c, model: model, version: n)
            let now = TimeParser.nowMillis()
            for (k, value) in metrics {
                try Limits.validateKey(k, "metric key")
                try c.run(
                    "INSERT INTO offline_metrics (version_id, dataset, key, value, time) VALUES (?, ?, ?, ?, ?) ON CONFLICT (version_id, dataset, key) DO UPDATE SET value = excluded.value, time = excluded.time",
                    [.integer(v.id), .text(dataset), .text(k), value.isNaN ? .null : .real(value), .integer(now)])
            }
            return try RegistryRepository.versionRow(c, model: model, version: n)
        }
    }

    /// Every model.
    public func listModels() throws -> [RegisteredModel] {
        try db.read { c in
            try c.query("SELECT id, name, description, creation_time, last_update_time FROM registered_models ORDER BY name") {
                RegisteredModel(
                    id: $0.int64(0), name: $0.string(1), description: $0.string(2), creationTime: $0.int64(3), lastUpdateTime: $0.int64(4))
            }
        }
    }

    /// A model by name.
    public func model(named name: String) throws -> RegisteredModel {
        try db.read { try RegistryRepository.modelRow($0, name) }
    }

    /// Tags of a model.
    public func modelTags(_ name: String) throws -> [KeyValue] {
        try db.read { c in
            let m = try RegistryRepository.modelRow(c, name)
            return try c.query("SELECT key, value FROM registered_model_tags WHERE model_id = ? ORDER BY key", [.integer(m.id)]) {
                KeyValue($0.string(0), $0.string(1))
            }
        }
    }

    /// Every version of a model, oldest first.
    public func versions(model name: String) throws -> [ModelVersion] {
        try db.read { c in
            let m = try RegistryRepository.modelRow(c, name)
            let rows = try c.query(
                "SELECT \(RegistryRepository.versionColumns) FROM model_versions v JOIN registered_models m ON m.id = v.model_id LEFT JOIN runs r ON r.id = v.run_id WHERE v.model_id = ? ORDER BY v.version",
                [.integer(m.id)], RegistryRepository.decodeVersion)
            return try rows.map { try RegistryRepository.fillVersion(c, $0) }
        }
    }

    /// One version, by number or alias.
    public func version(model: String, ref: String) throws -> ModelVersion {
        try db.read { c in try RegistryRepository.versionRow(c, model: model, version: try RegistryRepository.resolveVersion(c, model: model, ref: ref)) }
    }

    /// Offline result rows of a version (all datasets), newest first.
    public func offlineResults(model: String, version: Int) throws -> [OfflineMetric] {
        try db.read { c in try RegistryRepository.offlineMetrics(c, versionID: try RegistryRepository.versionRow(c, model: model, version: version).id) }
    }

    /// Points an alias at a version (or moves it).
    public func setAlias(model: String, alias: String, version: Int) throws {
        if alias.isEmpty || alias.utf8.count > 255 { throw TrackerError.invalid("alias must be 1–255 characters") }
        if Int(alias) != nil || (alias.hasPrefix("v") && Int(alias.dropFirst()) != nil) {
            throw TrackerError.invalid("alias '\(alias)' looks like a version number; choose a name such as 'champion'")
        }
        try db.write { c in
            let v = try RegistryRepository.versionRow(c, model: model, version: version)
            let m = try RegistryRepository.modelRow(c, model)
            try c.run(
                "INSERT INTO model_aliases (model_id, alias, version_id) VALUES (?, ?, ?) ON CONFLICT (model_id, alias) DO UPDATE SET version_id = excluded.version_id",
                [.integer(m.id), .text(alias), .integer(v.id)])
        }
    }

    /// Removes an alias.
    public func deleteAlias(model: String, alias: String) throws {
        try db.write { c in
            let m = try RegistryRepository.modelRow(c, model)
            guard try c.run("DELETE FROM model_aliases WHERE model_id = ? AND alias = ?", [.integer(m.id), .text(alias)]) > 0 else {
                throw TrackerError.notFound("model '\(model)' has no alias '\(alias)'")
            }
        }
    }
}

// MARK: - Store façade: the repository it hands out.

extension Store {
    /// Registered models, their versions, offline metrics and aliases.
    public var registry: RegistryRepository { RegistryRepository(db: db) }
}
