import Foundation
import Hummingbird
import TrackerCore
import TrackerStore

/// Registered models of the MLflow registry (mlflow-api.md §5): create, read, rename, update,
/// delete, search, tags, aliases and latest versions, over tracker's registry (so versions
/// registered here can be promoted with `tracker promote`, and the other way round).
struct RegisteredModelsController: Sendable {
    let r: Routes
    var store: Store { r.store }
    var lookups: RegistryLookups { RegistryLookups(store: r.store) }

    func addRoutes(to router: Router<BasicRequestContext>) {
        let p = "/api/2.0/mlflow/registered-models"
        let name: (String, [Check]) = ("name", [.string, .required])
        let alias: (String, [Check]) = ("alias", [.string, .required])
        r.add(router, .post, "\(p)/create", schema: [name, ("tags", [.array]), ("description", [.string])], create)
        r.add(router, .get, "\(p)/get", schema: [name], get)
        r.add(router, .post, "\(p)/rename", schema: [name, ("new_name", [.string, .required])], rename)
        r.add(router, .patch, "\(p)/update", schema: [name, ("description", [.string])], update)
        r.add(router, .delete, "\(p)/delete", schema: [name], delete)
        let searchSchema: [(String, [Check])] = [
            ("filter", [.string]), ("max_results", [.int, .atMost(1000)]), ("order_by", [.array, .stringItems]), ("page_token", [.string]),
        ]
        r.add(router, .get, "\(p)/search", schema: searchSchema, search)
        r.add(router, .post, "\(p)/search", schema: searchSchema, search)
        r.add(router, .post, "\(p)/set-tag", schema: [name, ("key", [.string, .required]), ("value", [.string])], setTag)
        r.add(router, .delete, "\(p)/delete-tag", schema: [name, ("key", [.string, .required])], deleteTag)
        r.add(router, .post, "\(p)/alias", schema: [name, alias, ("version", [.string, .required])], setAlias)
        r.add(router, .get, "\(p)/alias", schema: [name, alias], getAlias)
        r.add(router, .delete, "\(p)/alias", schema: [name, alias], deleteAlias)
        let latestSchema: [(String, [Check])] = [name, ("stages", [.array, .stringItems])]
        r.add(router, .post, "\(p)/get-latest-versions", schema: latestSchema, latestVersions)
        r.add(router, .get, "\(p)/get-latest-versions", schema: latestSchema, latestVersions)
    }

    @Sendable func create(_ f: Fields) throws -> JSON {
        let name = try f.require("name")
        do {
            _ = try store.registry.createModel(name: name, description: f.string("description") ?? "", tags: try f.keyValues("tags"))
        } catch let e as TrackerError where e.kind == .alreadyExists {
            throw APIError(status: .badRequest, code: "RESOURCE_ALREADY_EXISTS", message: "Registered Model (name=\(name)) already exists.")
        }
        return .object([("registered_model", try lookups.modelJSON(name))])
    }

    @Sendable func get(_ f: Fields) throws -> JSON { .object([("registered_model", try lookups.modelJSON(try f.require("name")))]) }

    @Sendable func rename(_ f: Fields) throws -> JSON {
        let name = try f.require("name")
        let newName = try f.require("new_name")
        _ = try lookups.model(name)
        try store.registry.renameModel(name, to: newName)
        return .object([("registered_model", try lookups.modelJSON(newName))])
    }

    @Sendable func update(_ f: Fields) throws -> JSON {
        let name = try f.require("name")
        _ = try lookups.model(name)
        try store.registry.updateDescription(model: name, version: nil, description: f.string("description") ?? "")
        return .object([("registered_model", try lookups.modelJSON(name))])
    }

    @Sendable func delete(_ f: Fields) throws -> JSON {
        let name = try f.require("name")
        _ = try lookups.model(name)
        try store.registry.deleteRegistryEntry(model: name, version: nil)
        return .object([])
    }

    @Sendable func search(_ f: Fields) throws -> JSON {
        let max = Int(try f.int64("max_results") ?? 100)
        let offset = try PageToken.decode(f.string("page_token"))
        let clauses = try RegistryRules.filter(f.string("filter") ?? "", attributes: ["name"])
        let orders = try f.strings("order_by").map { spec in
            try RegistryRules.order(spec, valid: ["name", "timestamp", "last_updated_timestamp"]) {
                "Invalid order by key '\($0)' specified. Valid keys are '{'timestamp', 'name'}'"
            }
        }
        var matched: [RegisteredModel] = []
        for m in try store.registry.listModels() where Self.matches(m, tags: try store.registry.modelTags(m.name), clauses) { matched.append(m) }
        matched = Self.sorted(matched, by: orders)
        let page = Array(matched.dropFirst(offset).prefix(max))
        return MLflowJSON.object([
            ("registered_models", MLflowJSON.list(try page.map { try lookups.modelJSON($0.name) })),
            ("next_page_token", offset + max < matched.count ? .string(PageToken.encode(offset + max)) : nil),
        ])
    }

    /// Whether a model (with its tags) passes every clause of a search filter.
    static func matches(_ m: RegisteredModel, tags: [KeyValue], _ clauses: [SimpleClause]) -> Bool {
        clauses.allSatisfy { c in
            switch RegistryRules.attribute(c) {
            case "name": return SimpleFilter.matches(c, m.name)
            case "tags": return RegistryRules.matchesModelTag(c, tags.first { $0.key == c.tag }?.value)
            default: return false
            }
        }
    }

    /// Models in `order_by` order; name ascending breaks ties, as in the reference (later keys
    /// are sorted first so earlier ones win).
    static func sorted(_ models: [RegisteredModel], by orders: [(key: String, descending: Bool)]) -> [RegisteredModel] {
        var out = models.sorted { $0.name < $1.name }
        for (key, desc) in orders.reversed() {
            if key == "name" {
                out.sort { desc ? $0.name > $1.name : $0.name < $1.name }
            } else {
                out.sort { desc ? $0.lastUpdateTime > $1.lastUpdateTime : $0.lastUpdateTime < $1.lastUpdateTime }
            }
        }
        return out
    }

    @Sendable func setTag(_ f: Fields) throws -> JSON {
        let name = try f.require("name")
        let key = try f.require("key")
        try RegistryRules.checkTag(key: key, value: f.string("value") ?? "")
        _ = try lookups.model(name)
        try store.registry.setRegistryTag(model: name, version: nil, key: key, value: f.string("value") ?? "")
        return .object([])
    }

    @Sendable func deleteTag(_ f: Fields) throws -> JSON {
        let name = try f.require("name")
        _ = try lookups.model(name)
        try store.registry.setRegistryTag(model: name, version: nil, key: try f.require("key"), value: nil)
        return .object([])
    }

    @Sendable func setAlias(_ f: Fields) throws -> JSON {
        let name = try f.require("name")
        let alias = try f.require("alias")
        try RegistryRules.checkAlias(alias)
        let n = try RegistryLookups.versionNumber(f)
        _ = try lookups.versionJSON(name, n)  // the reference looks the version up, not the model
        try store.registry.setAlias(model: name, alias: alias, version: n)
        return .object([])
    }

    @Sendable func getAlias(_ f: Fields) throws -> JSON {
        let name = try f.require("name")
        let alias = try f.require("alias")
        _ = try lookups.model(name)
        guard let v = try store.registry.aliases(model: name).first(where: { $0.0 == alias })?.1 else {
            throw APIError.invalid("Registered model alias \(alias) not found.")
        }
        return .object([("model_version", try lookups.versionJSON(name, v))])
    }

    @Sendable func deleteAlias(_ f: Fields) throws -> JSON {
        let name = try f.require("name")
        _ = try lookups.model(name)
        let alias = try f.require("alias")
        // Deleting an alias that is not set is a no-op for the reference.
        if try store.registry.aliases(model: name).contains(where: { $0.0 == alias }) { try store.registry.deleteAlias(model: name, alias: alias) }
        return .object([])
    }

    @Sendable func latestVersions(_ f: Fields) throws -> JSON {
        let name = try f.require("name")
        _ = try lookups.model(name)
        let stages = f.strings("stages")
        for s in stages where RegistryRules.stage(s) == nil { throw APIError.invalid(RegistryRules.badStage(s)) }
        return MLflowJSON.object([("model_versions", MLflowJSON.list(try lookups.latest(name, stages: stages)))])
    }
}
