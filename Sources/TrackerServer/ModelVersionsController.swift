import Foundation
import Hummingbird
import TrackerCore
import TrackerStore

/// Model versions of the MLflow registry (mlflow-api.md §5): create, read, update, delete,
/// search, tags, stage transitions and the download URI.
struct ModelVersionsController: Sendable {
    let r: Routes
    var store: Store { r.store }
    var lookups: RegistryLookups { RegistryLookups(store: r.store) }

    func addRoutes(to router: Router<BasicRequestContext>) {
        let p = "/api/2.0/mlflow/model-versions"
        let name: (String, [Check]) = ("name", [.string, .required])
        let version: (String, [Check]) = ("version", [.string, .required])
        r.add(
            router, .post, "\(p)/create",
            schema: [
                name, ("source", [.string, .required]), ("run_id", [.string]), ("tags", [.array]), ("run_link", [.string]),
                ("description", [.string]), ("model_id", [.string]),
            ], create)
        r.add(router, .get, "\(p)/get", schema: [name, version], get)
        r.add(router, .patch, "\(p)/update", schema: [name, version, ("description", [.string])], update)
        r.add(router, .delete, "\(p)/delete", schema: [name, version], delete)
        let searchSchema: [(String, [Check])] = [
            ("filter", [.string]), ("max_results", [.int, .atMost(200_000)]), ("order_by", [.array, .stringItems]),
            ("page_token", [.string]),
        ]
        r.add(router, .get, "\(p)/search", schema: searchSchema, search)
        r.add(router, .post, "\(p)/search", schema: searchSchema, search)
        r.add(router, .post, "\(p)/set-tag", schema: [name, version, ("key", [.string, .required]), ("value", [.string])], setTag)
        r.add(router, .delete, "\(p)/delete-tag", schema: [name, version, ("key", [.string, .required])], deleteTag)
        r.add(
            router, .post, "\(p)/transition-stage",
            schema: [name, version, ("stage", [.string, .required]), ("archive_existing_versions", [.bool])], transitionStage)
        // This endpoint checks its fields itself in the reference, in shorter words.
        r.add(router, .get, "\(p)/get-download-uri", schema: [], downloadURI)
    }

    @Sendable func create(_ f: Fields) throws -> JSON {
        let name = try f.require("name")
        try RegistryRules.checkSource(try f.require("source"))
        _ = try lookups.model(name)
        let v = try store.registry.createModelVersion(
            name: name, source: f.string("source") ?? "", runID: f.string("run_id").flatMap { $0.isEmpty ? nil : $0 },
            modelID: f.string("model_id").flatMap { $0.isEmpty ? nil : $0 }, description: f.string("description") ?? "",
            tags: try f.keyValues("tags"))
        return .object([("model_version", try lookups.versionJSON(name, v.version))])
    }

    @Sendable func get(_ f: Fields) throws -> JSON {
        .object([("model_version", try lookups.versionJSON(try f.require("name"), try RegistryLookups.versionNumber(f)))])
    }

    @Sendable func update(_ f: Fields) throws -> JSON {
        let name = try f.require("name")
        let n = try RegistryLookups.versionNumber(f)
        _ = try lookups.versionJSON(name, n)
        try store.registry.updateDescription(model: name, version: n, description: f.string("description") ?? "")
        return .object([("model_version", try lookups.versionJSON(name, n))])
    }

    @Sendable func delete(_ f: Fields) throws -> JSON {
        let name = try f.require("name")
        let n = try RegistryLookups.versionNumber(f)
        _ = try lookups.versionJSON(name, n)
        try store.registry.deleteRegistryEntry(model: name, version: n)
        return .object([])
    }

    @Sendable func search(_ f: Fields) throws -> JSON {
        let max = Int(try f.int64("max_results") ?? 10_000)
        let offset = try PageToken.decode(f.string("page_token"))
        let clauses = try RegistryRules.filter(
            f.string("filter") ?? "", attributes: ["source_path", "name", "version_number", "run_id"], numeric: ["version_number"])
        // The reference's default: most recently updated first, then name, then newest version.
        let specs = f.strings("order_by").isEmpty ? ["last_updated_timestamp DESC", "name ASC", "version_number DESC"] : f.strings("order_by")
        let orders = try specs.map { spec in
            let valid = ["creation_timestamp", "name", "version_number", "last_updated_timestamp"]
            return try RegistryRules.order(spec, valid: valid) {
                "Invalid attribute key '\($0)' specified. Valid keys are '{\(valid.map { "'\($0)'" }.joined(separator: ", "))}'"
            }
        }
        var found: [ModelVersion] = []
        for m in try store.registry.listModels() { found += try store.registry.versions(model: m.name).filter { Self.matches($0, clauses) } }
        let sorted = Self.sorted(found, by: orders)
        let page = Array(sorted.dropFirst(offset).prefix(max))
        return MLflowJSON.object([
            (
                "model_versions",
                MLflowJSON.list(
                    try page.map { MLflowJSON.modelVersion($0, modelID: try store.registry.modelIDOfVersion(model: $0.model, version: $0.version)) })
            ),
            ("next_page_token", offset + max < sorted.count ? .string(PageToken.encode(offset + max)) : nil),
        ])
    }

    /// Whether a version passes every clause of a search filter.
    static func matches(_ v: ModelVersion, _ clauses: [SimpleClause]) -> Bool {
        clauses.allSatisfy { c in
            switch RegistryRules.attribute(c) {
            case "name": return SimpleFilter.matches(c, v.model)
            case "run_id": return SimpleFilter.matches(c, v.runID)
            case "source_path": return SimpleFilter.matches(c, v.source)
            case "version_number": return SimpleFilter.matches(c, String(v.version))
            case "tags": return SimpleFilter.matches(c, v.tags.first { $0.key == c.tag }?.value)
            default: return false
            }
        }
    }

    /// Versions in `order_by` order; name ascending, then version descending, break ties (as in
    /// the reference; later keys are sorted first so earlier ones win).
    static func sorted(_ versions: [ModelVersion], by orders: [(key: String, descending: Bool)]) -> [ModelVersion] {
        var out = versions.sorted { ($0.model, -$0.version) < ($1.model, -$1.version) }
        for (key, desc) in orders.reversed() {
            switch key {
            case "name": out.sort { desc ? $0.model > $1.model : $0.model < $1.model }
            case "version_number": out.sort { desc ? $0.version > $1.version : $0.version < $1.version }
            case "creation_timestamp": out.sort { desc ? $0.creationTime > $1.creationTime : $0.creationTime < $1.creationTime }
            default: out.sort { desc ? $0.lastUpdateTime > $1.lastUpdateTime : $0.lastUpdateTime < $1.lastUpdateTime }
            }
        }
        return out
    }

    @Sendable func setTag(_ f: Fields) throws -> JSON {
        let name = try f.require("name")
        let n = try RegistryLookups.versionNumber(f)
        let key = try f.require("key")
        try RegistryRules.checkTag(key: key, value: f.string("value") ?? "")
        _ = try lookups.versionJSON(name, n)
        try store.registry.setRegistryTag(model: name, version: n, key: key, value: f.string("value") ?? "")
        return .object([])
    }

    @Sendable func deleteTag(_ f: Fields) throws -> JSON {
        let name = try f.require("name")
        let n = try RegistryLookups.versionNumber(f)
        _ = try lookups.versionJSON(name, n)
        try store.registry.setRegistryTag(model: name, version: n, key: try f.require("key"), value: nil)
        return .object([])
    }

    @Sendable func transitionStage(_ f: Fields) throws -> JSON {
        let name = try f.require("name")
        let n = try RegistryLookups.versionNumber(f)
        _ = try lookups.versionJSON(name, n)
        _ = try store.registry.transitionStage(
            model: name, version: n, stage: try f.require("stage"), archiveExisting: f.bool("archive_existing_versions") ?? false)
        return .object([("model_version", try lookups.versionJSON(name, n))])
    }

    @Sendable func downloadURI(_ f: Fields) throws -> JSON {
        guard let name = f.string("name"), !name.isEmpty else { throw APIError.invalid("Missing value for required parameter 'name'.") }
        let text = f.string("version") ?? ""
        guard let n = Int(text) else { throw APIError.invalid("Parameter 'version' must be an integer, got '\(text)'.") }
        _ = try lookups.versionJSON(name, n)
        return .object([("artifact_uri", .string(try artifactURI(model: name, version: n)))])
    }

    /// Where a version's files are: its logged model's location, a `runs:/` source's run
    /// location, or the source itself.
    func artifactURI(model name: String, version n: Int) throws -> String {
        let v = try store.registry.version(model: name, ref: String(n))
        if let mid = try store.registry.modelIDOfVersion(model: name, version: n) { return try store.mlflow.loggedModel(id: mid).artifactURI }
        if v.source.hasPrefix("runs:/"), let runID = v.runID {
            let rest = v.source.dropFirst("runs:/".count).drop { $0 != "/" }.dropFirst()
            return try store.runs.run(id: runID).info.artifactURI + (rest.isEmpty ? "" : "/" + rest)
        }
        if v.source.hasPrefix("models:/m-") { return try store.mlflow.loggedModel(id: String(v.source.dropFirst("models:/".count))).artifactURI }
        return v.source
    }
}
