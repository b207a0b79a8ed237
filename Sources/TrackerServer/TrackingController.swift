import Foundation
import Hummingbird
import TrackerCore
import TrackerStore

/// Registers JSON routes: fields in, a JSON value out, the work on the blocking pool.
struct Routes: Sendable {
    let store: Store
    let artifacts: ArtifactStore
    let bodyLimit: Int

    func add(
        _ router: Router<BasicRequestContext>, _ method: HTTPRequest.Method, _ path: String, limit: Int? = nil,
        schema: [(String, [Check])] = [], _ handler: @escaping @Sendable (Fields) throws -> JSON
    ) {
        let bodyLimit = limit ?? self.bodyLimit
        router.on(RouterPath(path), method: method) { request, _ -> Response in
            do {
                let f = try await fields(request, limit: bodyLimit)
                try f.validate(schema)
                return jsonResponse(try await Blocking.run { try handler(f) })
            } catch {
                throw APIError.from(error)
            }
        }
    }
}

/// Reads an MLflow metric value: a number, or "NaN" / "Infinity" / "-Infinity".
func metricValue(_ v: JSON?) throws -> Double {
    guard let v, let d = v.doubleValue else { throw APIError.invalid("Missing value for required parameter 'value'.") }
    return d
}

/// Run status by name or protobuf number.
func runStatus(_ s: String) throws -> RunStatus {
    if let n = Int(s) {
        let byNumber: [Int: RunStatus] = [1: .running, 2: .scheduled, 3: .finished, 4: .failed, 5: .killed]
        guard let st = byNumber[n] else { throw APIError.invalid("Invalid run status \(s)") }
        return st
    }
    return try RunStatus(parsing: s)
}

/// View type by name or number.
func viewType(_ s: String?) -> ViewType {
    switch s?.uppercased() {
    case "DELETED_ONLY", "2": return .deletedOnly
    case "ALL", "3": return .all
    default: return .activeOnly
    }
}

/// Experiments, runs, params, metrics, tags, search and history (mlflow-api.md §1–2).
struct TrackingController {
    let r: Routes
    var store: Store { r.store }

    func register(_ router: Router<BasicRequestContext>) {
        let p = "/api/2.0/mlflow"
        let store = self.store

        // MARK: Experiments
        r.add(router, .get, "\(p)/experiments/get-by-name", schema: [("experiment_name", [.required, .string])]) { f in
            let name = try f.require("experiment_name")
            guard let e = try store.experiment(named: name) else {
                throw APIError.notFound("Could not find experiment with name '\(name)'")
            }
            return .object([("experiment", MLflowJSON.experiment(e))])
        }
        r.add(router, .get, "\(p)/experiments/get", schema: [("experiment_id", [.required, .string])]) { f in
            let id = try f.require("experiment_id")
            guard let n = Int64(id) else {
                throw APIError.invalid("Invalid experiment ID '\(id)'. Experiment ID must be a valid integer.")
            }
            guard let e = try store.experiment(id: n) else { throw APIError.notFound("No Experiment with id=\(id) exists") }
            return .object([("experiment", MLflowJSON.experiment(e))])
        }
        r.add(router, .post, "\(p)/experiments/create", schema: [("name", [.required, .string]), ("artifact_location", [.string]), ("tags", [.array])]) { f in
            // The reference checks an experiment tag's key as a name: an empty one "resolves to '.'".
            if f.raw("tags")?.arrayValue?.contains(where: { ($0["key"]?.stringValue ?? "").isEmpty }) == true {
                throw APIError.invalid(MLflowWords.nameResolves("", parameter: "key"))
            }
            let e = try store.createExperiment(
                name: try f.require("name"), artifactLocation: f.string("artifact_location").flatMap { $0.isEmpty ? nil : $0 },
                tags: try f.keyValues("tags"))
            return .object([("experiment_id", .string(String(e.id)))])
        }
        let search: @Sendable (Fields) throws -> JSON = { f in
            // Like the reference, no default page size: a request without max_results is refused.
            let max = Int(try f.int64("max_results") ?? 0)
            if max < 1 { throw APIError.invalid("Invalid value \(max) for parameter 'max_results' supplied. It must be a positive integer") }
            if max > 50_000 { throw APIError.invalid("Invalid value \(max) for parameter 'max_results' supplied. It must be at most 50000") }
            let offset = try PageToken.decode(f.string("page_token"))
            let clauses = try SimpleFilter.parse(f.string("filter") ?? "")
            var all = try store.listExperiments(view: viewType(f.string("view_type")))
            all = all.filter { e in
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
            for spec in f.strings("order_by").reversed() {
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
            if f.strings("order_by").isEmpty { all.sort { ($0.creationTime, $0.id) > ($1.creationTime, $1.id) } }
            let page = Array(all.dropFirst(offset).prefix(max))
            return MLflowJSON.object([
                ("experiments", MLflowJSON.list(page.map(MLflowJSON.experiment))),
                ("next_page_token", offset + max < all.count ? .string(PageToken.encode(offset + max)) : nil),
            ])
        }
        let searchSchema: [(String, [Check])] = [
            ("max_results", [.int]), ("order_by", [.array]), ("filter", [.string]), ("page_token", [.string]),
        ]
        r.add(router, .post, "\(p)/experiments/search", schema: searchSchema, search)
        r.add(router, .get, "\(p)/experiments/search", schema: searchSchema, search)
        @Sendable func experimentID(_ f: Fields) throws -> Int64 {
            let id = try f.require("experiment_id")
            guard let n = Int64(id) else {
                throw APIError.invalid("Invalid experiment ID '\(id)'. Experiment ID must be a valid integer.")
            }
            return n
        }
        r.add(router, .post, "\(p)/experiments/delete", schema: [("experiment_id", [.required, .string])]) { f in
            try store.updateExperiment(id: try experimentID(f), lifecycle: "deleted")
            return .object([])
        }
        r.add(router, .post, "\(p)/experiments/restore", schema: [("experiment_id", [.required, .string])]) { f in
            try store.updateExperiment(id: try experimentID(f), lifecycle: "active")
            return .object([])
        }
        r.add(router, .post, "\(p)/experiments/update", schema: [("experiment_id", [.required, .string]), ("new_name", [.string, .required])]) { f in
            do {
                try store.updateExperiment(id: try experimentID(f), newName: f.string("new_name"))
            } catch let e as TrackerError where e.kind == .alreadyExists {
                // The reference answers a rename onto a taken name with its SQL error, coded BAD_REQUEST.
                throw APIError(status: .badRequest, code: "BAD_REQUEST", message: MLflowWords.message(e))
            }
            return .object([])
        }
        r.add(
            router, .post, "\(p)/experiments/set-experiment-tag",
            schema: [("experiment_id", [.required, .string]), ("key", [.required, .string]), ("value", [.string])]
        ) { f in
            let key = try f.require("key")
            let value = f.string("value") ?? ""
            if key.count > 250 { throw APIError.invalid("'key' exceeds the maximum length of 250 characters") }
            if value.count > 20_000 { throw APIError.invalid("'value' exceeds the maximum length of 20000 characters") }
            try store.updateExperiment(id: try experimentID(f), setTag: KeyValue(key, value))
            return .object([])
        }
        r.add(router, .post, "\(p)/experiments/delete-experiment-tag", schema: [("experiment_id", [.required, .string]), ("key", [.required, .string])]) { f in
            let id = try experimentID(f)
            let key = try f.require("key")
            guard let e = try store.experiment(id: id) else { throw APIError.notFound("No Experiment with id=\(id) exists") }
            if !e.tags.contains(where: { $0.key == key }) {
                throw APIError.notFound("No tag with name: \(key) in experiment with id \(id)")
            }
            try store.updateExperiment(id: id, deleteTag: key)
            return .object([])
        }

        // MARK: Runs
        @Sendable func runID(_ f: Fields) throws -> String {
            guard let id = f.string("run_id") ?? f.string("run_uuid"), !id.isEmpty else {
                throw APIError.invalid("Missing value for required parameter 'run_id'.")
            }
            return id
        }
        @Sendable func runJSON(_ id: String) throws -> JSON {
            let run: Run
            do { run = try store.run(id: id) } catch let e as TrackerError where e.kind == .notFound {
                throw APIError.notFound("Run with id=\(id) not found")
            }
            return MLflowJSON.run(run, outputs: try store.runOutputs(runID: id))
        }
        r.add(router, .post, "\(p)/runs/create", schema: [("experiment_id", [.string]), ("start_time", [.int]), ("run_name", [.string])]) { f in
            let exp = Int64(f.string("experiment_id") ?? "0") ?? -1
            guard try store.experiment(id: exp) != nil else {
                throw APIError.notFound("No Experiment with id=\(f.string("experiment_id") ?? "") exists")
            }
            var tags = try f.keyValues("tags")
            for i in tags.indices where tags[i].value.utf8.count > Limits.tagValueLength {
                tags[i] = KeyValue(tags[i].key, String(tags[i].value.utf8.prefix(Limits.tagValueLength)) ?? "")
            }
            let info = try store.createRun(
                experimentID: exp, name: f.string("run_name") ?? "", userID: f.string("user_id") ?? "",
                startTime: try f.int64("start_time"), tags: tags)
            return .object([("run", try runJSON(info.runID))])
        }
        r.add(router, .get, "\(p)/runs/get", schema: [("run_id", [.required, .string])]) { f in .object([("run", try runJSON(try runID(f)))]) }
        r.add(
            router, .post, "\(p)/runs/update",
            schema: [("run_id", [.required, .string]), ("end_time", [.int]), ("status", [.enumeration(1...5)]), ("run_name", [.string])]
        ) { f in
            let id = try runID(f)
            let info = try store.updateRun(
                runID: id, status: try f.string("status").map(runStatus), endTime: try f.int64("end_time"), name: f.string("run_name"))
            return .object([("run_info", MLflowJSON.runInfo(info))])
        }
        r.add(router, .post, "\(p)/runs/delete", schema: [("run_id", [.required, .string])]) { f in
            try store.setRunLifecycle(runID: try runID(f), deleted: true)
            return .object([])
        }
        r.add(router, .post, "\(p)/runs/restore", schema: [("run_id", [.required, .string])]) { f in
            try store.setRunLifecycle(runID: try runID(f), deleted: false)
            return .object([])
        }
        r.add(router, .post, "\(p)/runs/log-parameter", schema: [("run_id", [.required, .string]), ("key", [.required, .string]), ("value", [.string])]) { f in
            var value = f.string("value") ?? ""
            // The reference server truncates long values (MLFLOW_TRUNCATE_LONG_VALUES); so do we.
            if value.utf8.count > Limits.paramValueLength {
                value = String(value.utf8.prefix(Limits.paramValueLength)) ?? String(value.prefix(Limits.paramValueLength))
            }
            try store.log(runID: try runID(f), LogBatch(params: [KeyValue(try f.require("key"), value)]))
            return .object([])
        }
        r.add(
            router, .post, "\(p)/runs/log-metric",
            schema: [
                ("run_id", [.required, .string]), ("key", [.required, .string]), ("value", [.required, .float]), ("timestamp", [.int, .required]),
                ("step", [.int]),
            ]
        ) { f in
            let key = try f.require("key")
            guard let ts = try f.int64("timestamp") else { throw APIError.invalid("Missing value for required parameter 'timestamp'.") }
            let point = MetricPoint(key: key, value: try metricValue(f.raw("value")), step: try f.int64("step") ?? 0, time: ts)
            try store.log(runID: try runID(f), LogBatch(metrics: [point]))
            return .object([])
        }
        r.add(router, .post, "\(p)/runs/set-tag", schema: [("run_id", [.required, .string]), ("key", [.required, .string]), ("value", [.string])]) { f in
            try store.log(runID: try runID(f), LogBatch(tags: [KeyValue(try f.require("key"), f.string("value") ?? "")]))
            return .object([])
        }
        r.add(router, .post, "\(p)/runs/delete-tag", schema: [("run_id", [.required, .string]), ("key", [.required, .string])]) { f in
            try store.deleteRunTag(runID: try runID(f), key: try f.require("key"))
            return .object([])
        }
        r.add(
            router, .post, "\(p)/runs/log-batch", limit: 1_048_576 + 65_536,
            schema: [("run_id", [.string, .required]), ("metrics", [.array]), ("params", [.array]), ("tags", [.array])]
        ) { f in
            let id = try runID(f)
            let params = try f.keyValues("params")
            let tags = try f.keyValues("tags")
            let metrics = try (f.raw("metrics")?.arrayValue ?? []).enumerated().map { i, m -> MetricPoint in
                for field in ["key", "value", "timestamp"] where m[field] == nil || m[field] == .null || m[field] == .string("") {
                    throw APIError.schema("Missing value for required parameter 'metrics[\(i)].\(field)'.")
                }
                return MetricPoint(
                    key: m["key"]?.stringValue ?? "", value: try metricValue(m["value"]), step: m["step"]?.int64Value ?? 0,
                    time: m["timestamp"]?.int64Value ?? 0)
            }
            if metrics.count > 1000 {
                throw APIError.invalid(
                    "A batch logging request can contain at most 1000 metrics. Got \(metrics.count) metrics. Please split up metrics across multiple requests and try again."
                )
            }
            if params.count > 100 {
                throw APIError.invalid(
                    "A batch logging request can contain at most 100 params. Got \(params.count) params. Please split up params across multiple requests and try again."
                )
            }
            if tags.count > 100 {
                throw APIError.invalid(
                    "A batch logging request can contain at most 100 tags. Got \(tags.count) tags. Please split up tags across multiple requests and try again."
                )
            }
            if metrics.count + params.count + tags.count > 1000 {
                let n = metrics.count + params.count + tags.count
                throw APIError.invalid(
                    "A batch logging request can contain at most 1000 metrics, params, and tags. Got \(n) metrics, params, and tags. Please split up metrics, params, and tags across multiple requests and try again."
                )
            }
            let truncated = params.map {
                $0.value.utf8.count > Limits.paramValueLength
                    ? KeyValue($0.key, String($0.value.utf8.prefix(Limits.paramValueLength)) ?? "") : $0
            }
            do { try store.log(runID: id, LogBatch(params: truncated, tags: tags, metrics: metrics)) } catch let e as TrackerError {
                guard let words = MLflowWords.batchParamChanged(e) else { throw e }
                throw APIError.invalid(words)
            }
            return .object([])
        }
        let searchRuns: @Sendable (Fields) throws -> JSON = { f in
            let max = Int(try f.int64("max_results") ?? 1000)
            if max < 1 || max > 50_000 {
                throw APIError.invalid("Invalid value \(max) for parameter 'max_results' supplied: must be between 1 and 50000")
            }
            let offset = try PageToken.decode(f.string("page_token"))
            let ids = f.strings("experiment_ids").compactMap { Int64($0) }
            let filter = try RunFilter.parse(f.string("filter") ?? "")
            let order = try f.strings("order_by").map { try RunOrder.parse($0) }
            let runs = try store.searchRuns(
                experimentIDs: ids, filter: filter, orderBy: order, view: viewType(f.string("run_view_type")), limit: max + 1,
                offset: offset)
            let page = Array(runs.prefix(max))
            return MLflowJSON.object([
                ("runs", MLflowJSON.list(try page.map { MLflowJSON.run($0, outputs: try store.runOutputs(runID: $0.info.runID), inSearch: true) })),
                ("next_page_token", runs.count > max ? .string(PageToken.encode(offset + max)) : nil),
            ])
        }
        let runSearchSchema: [(String, [Check])] = [
            ("experiment_ids", [.array]), ("filter", [.string]), ("max_results", [.int, .atMost(50_000)]),
            ("order_by", [.array, .stringItems]),
        ]
        r.add(router, .post, "\(p)/runs/search", schema: runSearchSchema, searchRuns)
        r.add(router, .get, "\(p)/runs/search", schema: runSearchSchema, searchRuns)
        r.add(
            router, .get, "\(p)/metrics/get-history",
            schema: [("run_id", [.string, .required]), ("metric_key", [.string, .required]), ("page_token", [.string])]
        ) { f in
            let id = try runID(f)
            let key = try f.require("metric_key")
            // Like the reference, a max_results that is not a number is ignored here.
            let max = Int((try? f.int64("max_results")) ?? 25_000)
            if max < 1 {
                throw APIError.invalid("Invalid value \(max) for parameter 'max_results' supplied. It must be a positive integer.")
            }
            let offset = try PageToken.decode(f.string("page_token"))
            // The reference answers an unknown run's history with an empty one.
            let points: [MetricPoint]
            do { points = try store.metricHistory(runID: id, key: key, limit: max + 1, offset: offset) } catch let e as TrackerError
                where e.kind == .notFound
            { points = [] }
            return MLflowJSON.object([
                ("metrics", MLflowJSON.list(points.prefix(max).map(MLflowJSON.metric))),
                ("next_page_token", points.count > max ? .string(PageToken.encode(offset + max)) : nil),
            ])
        }
        r.add(router, .post, "\(p)/runs/outputs", schema: [("run_id", [.required, .string]), ("models", [.required, .array])]) { f in
            let id = try runID(f)
            let models = try (f.raw("models")?.arrayValue ?? []).map { m -> (String, Int64) in
                guard let mid = m["model_id"]?.stringValue else { throw APIError.invalid("every output needs a 'model_id'") }
                return (mid, m["step"]?.int64Value ?? 0)
            }
            try store.logRunOutputs(runID: id, models: models)
            return .object([])
        }
    }
}
