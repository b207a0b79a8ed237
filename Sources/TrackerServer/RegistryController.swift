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
            guard let n = Int(v) else { throw APIError.invalid("Parameter 'version' must be an integer, got '\(v)'.") }
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
            let clauses = try RegistryRules.filter(f.string("filter") ?? "", attributes: ["name"])
            let orders = try f.strings("order_by").map { spec in
                try RegistryRules.order(spec, valid: ["name", "timestamp", "last_updated_timestamp"]) {
                    "Invalid order by key '\($0)' specified. Valid keys are '{'timestamp', 'name'}'"
                }
            }
            var matched: [RegisteredModel] = []
            for m in try store.listModels() {
                let tags = try store.modelTags(m.name)
                let ok = clauses.allSatisfy { c in
                    switch RegistryRules.attribute(c) {
                    case "name": return SimpleFilter.matches(c, m.name)
                    case "tags": return RegistryRules.matchesModelTag(c, tags.first { $0.key == c.tag }?.value)
                    default: return false
                    }
                }
                if ok { matched.append(m) }
            }
            // Name ascending breaks ties, as in the reference; later keys first so earlier ones win.
            matched.sort { $0.name < $1.name }
            for (key, desc) in orders.reversed() {
                if key == "name" {
                    matched.sort { desc ? $0.name > $1.name : $0.name < $1.name }
                } else {
                    matched.sort { desc ? $0.lastUpdateTime > $1.lastUpdateTime : $0.lastUpdateTime < $1.lastUpdateTime }
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
            let key = try f.require("key")
            try RegistryRules.checkTag(key: key, value: f.string("value") ?? "")
            _ = try model(name)
            try store.setRegistryTag(model: name, version: nil, key: key, value: f.string("value") ?? "")
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
            let alias = try f.require("alias")
            try RegistryRules.checkAlias(alias)
            let n = try versionNumber(f)
            _ = try versionJSON(name, n)  // the reference looks the version up, not the model
            try store.setAlias(model: name, alias: alias, version: n)
            return .object([])
        }
        r.add(router, .get, "\(p)/registered-models/alias", schema: [("name", [.string, .required]), ("alias", [.string, .required])]) { f in
            let name = try f.require("name")
            let alias = try f.require("alias")
            _ = try model(name)
            guard let v = try store.aliases(model: name).first(where: { $0.0 == alias })?.1 else {
                throw APIError.invalid("Registered model alias \(alias) not found.")
            }
            return .object([("model_version", try versionJSON(name, v))])
        }
        r.add(router, .delete, "\(p)/registered-models/alias", schema: [("name", [.string, .required]), ("alias", [.string, .required])]) { f in
            let name = try f.require("name")
            _ = try model(name)
            let alias = try f.require("alias")
            // Deleting an alias that is not set is a no-op for the reference.
            if try store.aliases(model: name).contains(where: { $0.0 == alias }) { try store.deleteAlias(model: name, alias: alias) }
            return .object([])
        }
        let latestVersions: @Sendable (Fields) throws -> JSON = { f in
            let name = try f.require("name")
            _ = try model(name)
            let stages = f.strings("stages")
            for s in stages where RegistryRules.stage(s) == nil { throw APIError.invalid(RegistryRules.badStage(s)) }
            return MLflowJSON.object([("model_versions", MLflowJSON.list(try latest(name, stages: stages)))])
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
            try RegistryRules.checkSource(try f.require("source"))
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
            var out: [ModelVersion] = []
            for m in try store.listModels() {
                for v in try store.versions(model: m.name) {
                    let ok = clauses.allSatisfy { c in
                        switch RegistryRules.attribute(c) {
                        case "name": return SimpleFilter.matches(c, v.model)
                        case "run_id": return SimpleFilter.matches(c, v.runID)
                        case "source_path": return SimpleFilter.matches(c, v.source)
                        case "version_number": return SimpleFilter.matches(c, String(v.version))
                        case "tags": return SimpleFilter.matches(c, v.tags.first { $0.key == c.tag }?.value)
                        default: return false
                        }
                    }
                    if ok { out.append(v) }
                }
            }
            // Name ascending, then version descending, break ties (as in the reference).
            out.sort { ($0.model, -$0.version) < ($1.model, -$1.version) }
            for (key, desc) in orders.reversed() {
                switch key {
                case "name": out.sort { desc ? $0.model > $1.model : $0.model < $1.model }
                case "version_number": out.sort { desc ? $0.version > $1.version : $0.version < $1.version }
                case "creation_timestamp": out.sort { desc ? $0.creationTime > $1.creationTime : $0.creationTime < $1.creationTime }
                default: out.sort { desc ? $0.lastUpdateTime > $1.lastUpdateTime : $0.lastUpdateTime < $1.lastUpdateTime }
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
            let key = try f.require("key")
            try RegistryRules.checkTag(key: key, value: f.string("value") ?? "")
            _ = try versionJSON(name, n)
            try store.setRegistryTag(model: name, version: n, key: key, value: f.string("value") ?? "")
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
        // This endpoint checks its fields itself in the reference, in shorter words.
        r.add(router, .get, "\(p)/model-versions/get-download-uri", schema: []) { f in
            guard let name = f.string("name"), !name.isEmpty else { throw APIError.invalid("Missing value for required parameter 'name'.") }
            let text = f.string("version") ?? ""
            guard let n = Int(text) else { throw APIError.invalid("Parameter 'version' must be an integer, got '\(text)'.") }
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

/// The reference registry's input rules and their wording: alias names, stages, tag limits and
/// the filter and order-by keys of its two searches. Checked before any lookup, as it does.
enum RegistryRules {
    static let stages = ["none": "None", "staging": "Staging", "production": "Production", "archived": "Archived"]

    /// The canonical stage name, or nil when `s` is not a stage.
    static func stage(_ s: String) -> String? { stages[s.lowercased()] }

    static func badStage(_ s: String) -> String {
        "Invalid Model Version stage: \(s). Value must be one of None, Staging, Production, Archived."
    }

    /// Alias names: at most 255 characters; `latest` (tracker maintains it) and `vN` are reserved.
    static func checkAlias(_ alias: String) throws {
        if alias.count > 255 { throw APIError.invalid("'Registered model alias name' exceeds the maximum length of 255 characters") }
        if alias.lowercased() == "latest" { throw APIError.invalid("'latest' alias name (case insensitive) is reserved.") }
        if alias.wholeMatch(of: /[vV]\d+/) != nil { throw APIError.invalid("Version alias name '\(alias)' is reserved.") }
    }

    /// A version source with a URL scheme (`s3://`, `runs:/`, `mlflow-artifacts:/`) must name an
    /// absolute path without relative parts, as the reference checks before it looks the model up.
    /// Local paths stay accepted (tracker is permissive there: older clients send them).
    static func checkSource(_ source: String) throws {
        var decoded = source
        while let next = decoded.replacingOccurrences(of: "+", with: " ").removingPercentEncoding, next != decoded { decoded = next }
        guard let path = urlPath(decoded) else { return }
        let collapsed = path.replacing(/\/+/, with: "/")
        let trimmed = collapsed.hasSuffix("/") ? String(collapsed.reversed().drop { $0 == "/" }.reversed()) : collapsed
        let parts = trimmed.split(separator: "/", omittingEmptySubsequences: false)
        let relative = !trimmed.hasPrefix("/") || parts.contains { $0 == "." || $0 == ".." } || decoded.split(separator: "/").contains("..")
        if relative || trimmed.contains("\0") {
            throw APIError.invalid(
                "Invalid model version source: '\(decoded)'. If supplying a source as an http, https, local file path, ftp, objectstore, "
                    + "or mlflow-artifacts uri, an absolute path must be provided without relative path references present. "
                    + "Please provide an absolute path.")
        }
    }

    /// The path of a URL with a scheme (`s3://bucket/a/b` → `/a/b`, `runs:/id/m` → `/id/m`); nil
    /// for a string without a scheme or a `file:` URL (a local path).
    static func urlPath(_ s: String) -> String? {
        guard let colon = s.firstIndex(of: ":"), let first = s.first, first.isLetter,
            s[..<colon].allSatisfy({ $0.isLetter || $0.isNumber || "+-.".contains($0) }), s[..<colon].lowercased() != "file"
        else { return nil }
        var rest = s[s.index(after: colon)...]
        if rest.hasPrefix("//") { rest = rest.dropFirst(2).drop { $0 != "/" && $0 != "?" && $0 != "#" } }
        return String(rest.prefix { $0 != "?" && $0 != "#" })
    }

    /// Registry tags: keys up to 250 characters, values up to 100000.
    static func checkTag(key: String, value: String) throws {
        if key.count > 250 { throw APIError.invalid("'key' exceeds the maximum length of 250 characters") }
        if value.count > 100_000 { throw APIError.invalid("'value' exceeds the maximum length of 100000 characters") }
    }

    /// Parses a registry search filter and refuses what the reference refuses: attribute keys
    /// outside `attributes` (listed as the reference lists them), and bare values of string keys.
    static func filter(_ text: String, attributes: [String], numeric: Set<String> = []) throws -> [SimpleClause] {
        let clauses = try SimpleFilter.parse(text)
        for c in clauses where c.key != "tags" {
            if let dot = c.key.firstIndex(of: "."), c.key[..<dot] != "attribute" {
                throw APIError.invalid("Invalid entity type '\(c.key[..<dot])'. Valid entity types are ('attribute', 'tag', 'tags')")
            }
            guard attributes.contains(attribute(c)) else {
                let valid = attributes.map { "'\($0)'" }.joined(separator: ", ")
                throw APIError.invalid("Invalid attribute key '\(attribute(c))' specified. Valid keys are '{\(valid)}'")
            }
        }
        for c in clauses where !c.quoted && !numeric.contains(attribute(c)) && !c.op.hasPrefix("IS") {
            throw APIError.invalid(
                "Parameter value is either not quoted or unidentified quote types used for string value \(c.values.first ?? ""). "
                    + "Use either single or double quotes.")
        }
        return clauses
    }

    /// A registered-model tag clause as the reference evaluates it: a model without the tag never
    /// matches, except for the prompt marker, whose absence reads as "not a prompt".
    static func matchesModelTag(_ c: SimpleClause, _ value: String?) -> Bool {
        if value == nil && c.tag == "mlflow.prompt.is_prompt" {
            return (c.op == "=" && c.values.first == "false") || (c.op == "!=" && c.values.first == "true")
        }
        if value == nil && c.op == "!=" { return false }
        return SimpleFilter.matches(c, value)
    }

    /// The attribute a clause names, without an `attribute.` prefix.
    static func attribute(_ c: SimpleClause) -> String {
        c.key.hasPrefix("attribute.") ? String(c.key.dropFirst("attribute.".count)) : c.key
    }

    /// One `order_by` entry: its key and direction, or the reference's refusal.
    static func order(_ spec: String, valid: [String], message: (String) -> String) throws -> (key: String, descending: Bool) {
        let parts = spec.split(separator: " ", omittingEmptySubsequences: true)
        let key = parts.first.map(String.init) ?? ""
        guard valid.contains(key) else { throw APIError.invalid(message(key)) }
        return (key, parts.count > 1 && parts[1].uppercased() == "DESC")
    }
}
