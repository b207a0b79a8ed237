import Foundation
import Hummingbird
import TrackerCore
import TrackerStore

/// The MLflow model registry (mlflow-api.md §5) over tracker's registry: versions registered here
/// can be promoted with `tracker promote`, and the other way round.
struct RegistryController {
    let r: Routes

    func register(_ router: Router<BasicRequestContext>) {
        let p = "/api/2.0/mlflow"
        let store = r.store

        @Sendable func notFoundModel(_ name: String) -> APIError { APIError.notFound("Registered Model with name=\(name) not found") }
        @Sendable func model(_ name: String) throws -> RegisteredModel {
            do { return try store.model(named: name) } catch let e as TrackerError where e.kind == .notFound { throw notFoundModel(name) }
        }
        @Sendable func versionNumber(_ f: Fields) throws -> Int {
            let v = try f.require("version")
            guard let n = Int(v) else { throw APIError.invalid("Model version must be an integer, got '\(v)'") }
            return n
        }
        @Sendable func versionJSON(_ name: String, _ n: Int) throws -> JSON {
            let v: ModelVersion
            do { v = try store.version(model: name, ref: String(n)) } catch let e as TrackerError where e.kind == .notFound {
                throw APIError.notFound("Model Version (name=\(name), version=\(n)) not found")
            }
            return MLflowJSON.modelVersion(v, modelID: try store.modelIDOfVersion(model: name, version: n))
        }
        @Sendable func latest(_ name: String, stages: [String]) throws -> [JSON] {
            let versions = try store.versions(model: name)
            var byStage: [String: ModelVersion] = [:]
            for v in versions { byStage[v.stage] = v }
            let wanted =
                stages.isEmpty
                ? Set(byStage.keys)
                : Set(
                    stages.map { s in
                        ["none": "None", "staging": "Staging", "production": "Production", "archived": "Archived"][s.lowercased()] ?? s
                    })
            return try byStage.filter { wanted.contains($0.key) }.values.sorted { $0.version < $1.version }.map {
                MLflowJSON.modelVersion($0, modelID: try store.modelIDOfVersion(model: name, version: $0.version))
            }
        }
        @Sendable func modelJSON(_ name: String) throws -> JSON {
            let m = try model(name)
            return MLflowJSON.registeredModel(
                m, latest: try latest(name, stages: []), tags: try store.modelTags(name), aliases: try store.aliases(model: name))
        }

        // MARK: Registered models
        r.add(router, .post, "\(p)/registered-models/create", schema: [("name", [.string, .required]), ("tags", [.array]), ("description", [.string])]) { f in
            let name = try f.require("name")
            do {
                _ = try store.createModel(name: name, description: f.string("description") ?? "", tags: try f.keyValues("tags"))
            } catch let e as TrackerError where e.kind == .alreadyExists {
                throw APIError(
                    status: .badRequest, code: "RESOURCE_ALREADY_EXISTS", message: "Registered Model (name=\(name)) already exists.")
            }
            return .object([("registered_model", try modelJSON(name))])
        }
        r.add(router, .get, "\(p)/registered-models/get", schema: [("name", [.string, .required])]) { f in
            .object([("registered_model", try modelJSON(try f.require("name")))])
        }
        r.add(router, .post, "\(p)/registered-models/rename", schema: [("name", [.string, .required]), ("new_name", [.string, .required])]) { f in
            let name = try f.require("name")
            let newName = try f.require("new_name")
            _ = try model(name)
            try store.renameModel(name, to: newName)
            return .object([("registered_model", try modelJSON(newName))])
        }
        r.add(router, .patch, "\(p)/registered-models/update", schema: [("name", [.string, .required]), ("description", [.string])]) { f in
            let name = try f.require("name")
            _ = try model(name)
            try store.updateDescription(model: name, version: nil, description: f.string("description") ?? "")
            return .object([("registered_model", try modelJSON(name))])
        }
        r.add(router, .delete, "\(p)/registered-models/delete", schema: [("name", [.string, .required])]) { f in
            let name = try f.require("name")
            _ = try model(name)
            try store.deleteRegistryEntry(model: name, version: nil)
            return .object([])
        }
        let searchModels: @Sendable (Fields) throws -> JSON = { f in
            let max = Int(try f.int64("max_results") ?? 100)
            let offset = try PageToken.decode(f.string("page_token"))
            let clauses = try SimpleFilter.parse(f.string("filter") ?? "")
            var matched: [RegisteredModel] = []
            for m in try store.listModels() {
                let tags = try store.modelTags(m.name)
                let ok = clauses.allSatisfy { c in
                    switch c.key {
                    case "name": return SimpleFilter.matches(c, m.name)
                    case "tags": return SimpleFilter.matches(c, tags.first { $0.key == c.tag }?.value)
                    default: return false
                    }
                }
                if ok { matched.append(m) }
            }
            for spec in f.strings("order_by").reversed() {
                let desc = spec.uppercased().hasSuffix(" DESC")
                if spec.hasPrefix("last_updated_timestamp") {
                    matched.sort { desc ? $0.lastUpdateTime > $1.lastUpdateTime : $0.lastUpdateTime < $1.lastUpdateTime }
                } else if spec.hasPrefix("creation_timestamp") {
                    matched.sort { desc ? $0.creationTime > $1.creationTime : $0.creationTime < $1.creationTime }
                } else {
                    matched.sort { desc ? $0.name > $1.name : $0.name < $1.name }
                }
            }
            let page = Array(matched.dropFirst(offset).prefix(max))
            return MLflowJSON.object([
                ("registered_models", MLflowJSON.list(try page.map { try modelJSON($0.name) })),
                ("next_page_token", offset + max < matched.count ? .string(PageToken.encode(offset + max)) : nil),
            ])
        }
        let modelSearchSchema: [(String, [Check])] = [
            ("filter", [.string]), ("max_results", [.int, .atMost(1000)]), ("order_by", [.array, .stringItems]), ("page_token", [.string]),
        ]
        r.add(router, .get, "\(p)/registered-models/search", schema: modelSearchSchema, searchModels)
        r.add(router, .post, "\(p)/registered-models/search", schema: modelSearchSchema, searchModels)
        r.add(router, .post, "\(p)/registered-models/set-tag", schema: [("name", [.string, .required]), ("key", [.string, .required]), ("value", [.string])]) {
            f in
            let name = try f.require("name")
            _ = try model(name)
            try store.setRegistryTag(model: name, version: nil, key: try f.require("key"), value: f.string("value") ?? "")
            return .object([])
        }
        r.add(router, .delete, "\(p)/registered-models/delete-tag", schema: [("name", [.string, .required]), ("key", [.string, .required])]) { f in
            let name = try f.require("name")
            _ = try model(name)
            try store.setRegistryTag(model: name, version: nil, key: try f.require("key"), value: nil)
            return .object([])
        }
        r.add(
            router, .post, "\(p)/registered-models/alias",
            schema: [("name", [.string, .required]), ("alias", [.string, .required]), ("version", [.string, .required])]
        ) { f in
            let name = try f.require("name")
            _ = try model(name)
            let alias = try f.require("alias")
            if alias.utf8.count > 255 {
                throw APIError.invalid("Alias '\(alias.prefix(20))…' exceeds the maximum length of 255 characters")
            }
            try store.setAlias(model: name, alias: alias, version: try versionNumber(f))
            return .object([])
        }
        r.add(router, .get, "\(p)/registered-models/alias", schema: [("name", [.string, .required]), ("alias", [.string, .required])]) { f in
            let name = try f.require("name")
            let alias = try f.require("alias")
            _ = try model(name)
            guard let v = try store.aliases(model: name).first(where: { $0.0 == alias })?.1 else {
                throw APIError.notFound("Registered model alias \(alias) not found.")
            }
            return .object([("model_version", try versionJSON(name, v))])
        }
        r.add(router, .delete, "\(p)/registered-models/alias", schema: [("name", [.string, .required]), ("alias", [.string, .required])]) { f in
            let name = try f.require("name")
            _ = try model(name)
            try store.deleteAlias(model: name, alias: try f.require("alias"))
            return .object([])
        }
        let latestVersions: @Sendable (Fields) throws -> JSON = { f in
            let name = try f.require("name")
            _ = try model(name)
            return MLflowJSON.object([("model_versions", MLflowJSON.list(try latest(name, stages: f.strings("stages"))))])
        }
        r.add(
            router, .post, "\(p)/registered-models/get-latest-versions", schema: [("name", [.string, .required]), ("stages", [.array, .stringItems])],
            latestVersions)
        r.add(
            router, .get, "\(p)/registered-models/get-latest-versions", schema: [("name", [.string, .required]), ("stages", [.array, .stringItems])],
            latestVersions)

        // MARK: Model versions
        r.add(
            router, .post, "\(p)/model-versions/create",
            schema: [
                ("name", [.string, .required]), ("source", [.string, .required]), ("run_id", [.string]), ("tags", [.array]), ("run_link", [.string]),
                ("description", [.string]), ("model_id", [.string]),
            ]
        ) { f in
            let name = try f.require("name")
            _ = try model(name)
            let runID = f.string("run_id").flatMap { $0.isEmpty ? nil : $0 }
            let v = try store.createModelVersion(
                name: name, source: f.string("source") ?? "", runID: runID, modelID: f.string("model_id").flatMap { $0.isEmpty ? nil : $0 },
                description: f.string("description") ?? "", tags: try f.keyValues("tags"))
            return .object([("model_version", try versionJSON(name, v.version))])
        }
        r.add(router, .get, "\(p)/model-versions/get", schema: [("name", [.string, .required]), ("version", [.string, .required])]) { f in
            .object([("model_version", try versionJSON(try f.require("name"), try versionNumber(f)))])
        }
        r.add(
            router, .patch, "\(p)/model-versions/update",
            schema: [("name", [.string, .required]), ("version", [.string, .required]), ("description", [.string])]
        ) { f in
            let name = try f.require("name")
            let n = try versionNumber(f)
            _ = try versionJSON(name, n)
            try store.updateDescription(model: name, version: n, description: f.string("description") ?? "")
            return .object([("model_version", try versionJSON(name, n))])
        }
        r.add(router, .delete, "\(p)/model-versions/delete", schema: [("name", [.string, .required]), ("version", [.string, .required])]) { f in
            let name = try f.require("name")
            let n = try versionNumber(f)
            _ = try versionJSON(name, n)
            try store.deleteRegistryEntry(model: name, version: n)
            return .object([])
        }
        let searchVersions: @Sendable (Fields) throws -> JSON = { f in
            let max = Int(try f.int64("max_results") ?? 10_000)
            let offset = try PageToken.decode(f.string("page_token"))
            let clauses = try SimpleFilter.parse(f.string("filter") ?? "")
            var out: [ModelVersion] = []
            for m in try store.listModels() {
                for v in try store.versions(model: m.name) {
                    let ok = clauses.allSatisfy { c in
                        switch c.key {
                        case "name": return SimpleFilter.matches(c, v.model)
                        case "run_id": return SimpleFilter.matches(c, v.runID)
                        case "source_path", "source": return SimpleFilter.matches(c, v.source)
                        case "version_number", "version": return SimpleFilter.matches(c, String(v.version))
                        case "tags": return SimpleFilter.matches(c, v.tags.first { $0.key == c.tag }?.value)
                        default: return false
                        }
                    }
                    if ok { out.append(v) }
                }
            }
            out.sort { ($0.model, -$0.version) < ($1.model, -$1.version) }
            for spec in f.strings("order_by").reversed() {
                let desc = spec.uppercased().hasSuffix(" DESC")
                if spec.hasPrefix("version_number") { out.sort { desc ? $0.version > $1.version : $0.version < $1.version } }
                if spec.hasPrefix("creation_timestamp") {
                    out.sort { desc ? $0.creationTime > $1.creationTime : $0.creationTime < $1.creationTime }
                }
            }
            let page = Array(out.dropFirst(offset).prefix(max))
            return MLflowJSON.object([
                (
                    "model_versions",
                    MLflowJSON.list(
                        try page.map {
                            MLflowJSON.modelVersion($0, modelID: try store.modelIDOfVersion(model: $0.model, version: $0.version))
                        })
                ),
                ("next_page_token", offset + max < out.count ? .string(PageToken.encode(offset + max)) : nil),
            ])
        }
        let versionSearchSchema: [(String, [Check])] = [
            ("filter", [.string]), ("max_results", [.int, .atMost(200_000)]), ("order_by", [.array, .stringItems]),
            ("page_token", [.string]),
        ]
        r.add(router, .get, "\(p)/model-versions/search", schema: versionSearchSchema, searchVersions)
        r.add(router, .post, "\(p)/model-versions/search", schema: versionSearchSchema, searchVersions)
        r.add(
            router, .post, "\(p)/model-versions/set-tag",
            schema: [("name", [.string, .required]), ("version", [.string, .required]), ("key", [.string, .required]), ("value", [.string])]
        ) { f in
            let name = try f.require("name")
            let n = try versionNumber(f)
            _ = try versionJSON(name, n)
            try store.setRegistryTag(model: name, version: n, key: try f.require("key"), value: f.string("value") ?? "")
            return .object([])
        }
        r.add(
            router, .delete, "\(p)/model-versions/delete-tag",
            schema: [("name", [.string, .required]), ("version", [.string, .required]), ("key", [.string, .required])]
        ) { f in
            let name = try f.require("name")
            let n = try versionNumber(f)
            _ = try versionJSON(name, n)
            try store.setRegistryTag(model: name, version: n, key: try f.require("key"), value: nil)
            return .object([])
        }
        r.add(
            router, .post, "\(p)/model-versions/transition-stage",
            schema: [
                ("name", [.string, .required]), ("version", [.string, .required]), ("stage", [.string, .required]), ("archive_existing_versions", [.bool]),
            ]
        ) { f in
            let name = try f.require("name")
            let n = try versionNumber(f)
            _ = try versionJSON(name, n)
            _ = try store.transitionStage(
                model: name, version: n, stage: try f.require("stage"), archiveExisting: f.bool("archive_existing_versions") ?? false)
            return .object([("model_version", try versionJSON(name, n))])
        }
        r.add(router, .get, "\(p)/model-versions/get-download-uri", schema: [("name", [.string, .required]), ("version", [.string, .required])]) { f in
            let name = try f.require("name")
            let n = try versionNumber(f)
            _ = try versionJSON(name, n)
            let v = try store.version(model: name, ref: String(n))
            if let mid = try store.modelIDOfVersion(model: name, version: n) {
                return .object([("artifact_uri", .string(try store.loggedModel(id: mid).artifactURI))])
            }
            // runs:/<run>/<path> → the run's artifact location.
            if v.source.hasPrefix("runs:/"), let runID = v.runID {
                let rest = v.source.dropFirst("runs:/".count).drop { $0 != "/" }.dropFirst()
                let run = try store.run(id: runID)
                return .object([("artifact_uri", .string(run.info.artifactURI + (rest.isEmpty ? "" : "/" + rest)))])
            }
            if v.source.hasPrefix("models:/m-") {
                return .object([
                    ("artifact_uri", .string(try store.loggedModel(id: String(v.source.dropFirst("models:/".count))).artifactURI))
                ])
            }
            return .object([("artifact_uri", .string(v.source))])
        }
    }
}
