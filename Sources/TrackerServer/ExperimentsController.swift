import Foundation
import Hummingbird
import TrackerCore
import TrackerStore

/// Experiments (mlflow-api.md §1): create, read, search, rename, delete and restore, tags.
/// One handler per route; `addRoutes(to:)` is the route table.
struct ExperimentsController: Sendable {
    let r: Routes
    var store: Store { r.store }

    func addRoutes(to router: Router<BasicRequestContext>) {
        let p = "/api/2.0/mlflow/experiments"
        let id: (String, [Check]) = ("experiment_id", [.required, .string])
        r.add(router, .get, "\(p)/get-by-name", schema: [("experiment_name", [.required, .string])], getByName)
        r.add(router, .get, "\(p)/get", schema: [id], get)
        r.add(router, .post, "\(p)/create", schema: [("name", [.required, .string]), ("artifact_location", [.string]), ("tags", [.array])], create)
        let searchSchema: [(String, [Check])] = [
            ("max_results", [.int]), ("order_by", [.array]), ("filter", [.string]), ("page_token", [.string]),
        ]
        r.add(router, .post, "\(p)/search", schema: searchSchema, search)
        r.add(router, .get, "\(p)/search", schema: searchSchema, search)
        r.add(router, .post, "\(p)/delete", schema: [id], delete)
        r.add(router, .post, "\(p)/restore", schema: [id], restore)
        r.add(router, .post, "\(p)/update", schema: [id, ("new_name", [.string, .required])], update)
        r.add(router, .post, "\(p)/set-experiment-tag", schema: [id, ("key", [.required, .string]), ("value", [.string])], setTag)
        r.add(router, .post, "\(p)/delete-experiment-tag", schema: [id, ("key", [.required, .string])], deleteTag)
    }

    /// The experiment id of a request, refused unless it is an integer.
    static func experimentID(_ f: Fields) throws -> Int64 {
        let id = try f.require("experiment_id")
        guard let n = Int64(id) else { throw APIError.invalid("Invalid experiment ID '\(id)'. Experiment ID must be a valid integer.") }
        return n
    }

    @Sendable func getByName(_ f: Fields) throws -> JSON {
        let name = try f.require("experiment_name")
        guard let e = try store.experiments.experiment(named: name) else { throw APIError.notFound("Could not find experiment with name '\(name)'") }
        return .object([("experiment", MLflowJSON.experiment(e))])
    }

    @Sendable func get(_ f: Fields) throws -> JSON {
        let id = try Self.experimentID(f)
        guard let e = try store.experiments.experiment(id: id) else {
            throw APIError.notFound("No Experiment with id=\(try f.require("experiment_id")) exists")
        }
        return .object([("experiment", MLflowJSON.experiment(e))])
    }

    @Sendable func create(_ f: Fields) throws -> JSON {
        // The reference checks an experiment tag's key as a name: an empty one "resolves to '.'".
        if f.raw("tags")?.arrayValue?.contains(where: { ($0["key"]?.stringValue ?? "").isEmpty }) == true {
            throw APIError.invalid(MLflowWords.nameResolves("", parameter: "key"))
        }
        let e = try store.experiments.createExperiment(
            name: try f.require("name"), artifactLocation: f.string("artifact_location").flatMap { $0.isEmpty ? nil : $0 },
            tags: try f.keyValues("tags"))
        return .object([("experiment_id", .string(String(e.id)))])
    }

    @Sendable func search(_ f: Fields) throws -> JSON {
        // Like the reference, no default page size: a request without max_results is refused.
        let max = Int(try f.int64("max_results") ?? 0)
        if max < 1 { throw APIError.invalid("Invalid value \(max) for parameter 'max_results' supplied. It must be a positive integer") }
        if max > 50_000 { throw APIError.invalid("Invalid value \(max) for parameter 'max_results' supplied. It must be at most 50000") }
        let offset = try PageToken.decode(f.string("page_token"))
        let clauses = try SimpleFilter.parse(f.string("filter") ?? "")
        let all = Self.sorted(
            try store.experiments.listExperiments(view: viewType(f.string("view_type"))).filter { Self.matches($0, clauses) }, by: f.strings("order_by"))
        let page = Array(all.dropFirst(offset).prefix(max))
        return MLflowJSON.object([
            ("experiments", MLflowJSON.list(page.map(MLflowJSON.experiment))),
            ("next_page_token", offset + max < all.count ? .string(PageToken.encode(offset + max)) : nil),
        ])
    }

    /// Whether an experiment passes every clause of a search filter.
    static func matches(_ e: Experiment, _ clauses: [SimpleClause]) -> Bool {
        clauses.allSatisfy { c in
            switch c.key {
            case "name", "attributes.name", "attribute.name": return SimpleFilter.matches(c, e.name)
            case "experiment_id", "attributes.experiment_id": return SimpleFilter.matches(c, String(e.id))
            case "creation_time", "attributes.creation_time": return SimpleFilter.matches(c, String(e.creationTime))
            case "last_update_time", "attributes.last_update_time": return SimpleFilter.matches(c, String(e.lastUpdateTime))
            case "tags": return SimpleFilter.matches(c, e.tags.first { $0.key == c.tag }?.value)
            default: return false
            }
        }
    }

    /// Experiments in `order_by` order (later keys first, so earlier ones win); newest first by default.
    static func sorted(_ experiments: [Experiment], by specs: [String]) -> [Experiment] {
        var all = experiments
        for spec in specs.reversed() {
            let parts = spec.split(separator: " ")
            let key = parts.first.map(String.init)?.replacingOccurrences(of: "attributes.", with: "") ?? "creation_time"
            let asc = parts.count < 2 || parts[1].uppercased() != "DESC"
            all.sort { a, b in
                let less: Bool
                switch key {
                case "name": less = a.name < b.name
                case "experiment_id": less = a.id < b.id
                case "last_update_time": less = a.lastUpdateTime < b.lastUpdateTime
                default: less = a.creationTime < b.creationTime
                }
                return asc ? less : !less && (a.name != b.name || a.id != b.id)
            }
        }
        if specs.isEmpty { all.sort { ($0.creationTime, $0.id) > ($1.creationTime, $1.id) } }
        return all
    }

    @Sendable func delete(_ f: Fields) throws -> JSON {
        try store.experiments.updateExperiment(id: try Self.experimentID(f), lifecycle: "deleted")
        return .object([])
    }

    @Sendable func restore(_ f: Fields) throws -> JSON {
        try store.experiments.updateExperiment(id: try Self.experimentID(f), lifecycle: "active")
        return .object([])
    }

    @Sendable func update(_ f: Fields) throws -> JSON {
        do {
            try store.experiments.updateExperiment(id: try Self.experimentID(f), newName: f.string("new_name"))
        } catch let e as TrackerError where e.kind == .alreadyExists {
            // The reference answers a rename onto a taken name with its SQL error, coded BAD_REQUEST.
            throw APIError(status: .badRequest, code: "BAD_REQUEST", message: MLflowWords.message(e))
        }
        return .object([])
    }

    @Sendable func setTag(_ f: Fields) throws -> JSON {
        let key = try f.require("key")
        let value = f.string("value") ?? ""
        if key.count > 250 { throw APIError.invalid("'key' exceeds the maximum length of 250 characters") }
        if value.count > 20_000 { throw APIError.invalid("'value' exceeds the maximum length of 20000 characters") }
        try store.experiments.updateExperiment(id: try Self.experimentID(f), setTag: KeyValue(key, value))
        return .object([])
    }

    @Sendable func deleteTag(_ f: Fields) throws -> JSON {
        let id = try Self.experimentID(f)
        let key = try f.require("key")
        guard let e = try store.experiments.experiment(id: id) else { throw APIError.notFound("No Experiment with id=\(id) exists") }
        if !e.tags.contains(where: { $0.key == key }) { throw APIError.notFound("No tag with name: \(key) in experiment with id \(id)") }
        try store.experiments.updateExperiment(id: id, deleteTag: key)
        return .object([])
    }
}
