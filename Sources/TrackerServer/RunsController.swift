import Foundation
import Hummingbird
import TrackerCore
import TrackerStore

/// Runs, params, metrics, tags, run search, metric history and run outputs (mlflow-api.md §2).
/// One handler per route; `addRoutes(to:)` is the route table.
struct RunsController: Sendable {
    let r: Routes
    var store: Store { r.store }

    func addRoutes(to router: Router<BasicRequestContext>) {
        let p = "/api/2.0/mlflow/runs"
        let run: (String, [Check]) = ("run_id", [.required, .string])
        let key: (String, [Check]) = ("key", [.required, .string])
        r.add(router, .post, "\(p)/create", schema: [("experiment_id", [.string]), ("start_time", [.int]), ("run_name", [.string])], create)
        r.add(router, .get, "\(p)/get", schema: [run], get)
        r.add(
            router, .post, "\(p)/update",
            schema: [run, ("end_time", [.int]), ("status", [.enumeration(1...5)]), ("run_name", [.string])], update)
        r.add(router, .post, "\(p)/delete", schema: [run], delete)
        r.add(router, .post, "\(p)/restore", schema: [run], restore)
        r.add(router, .post, "\(p)/log-parameter", schema: [run, key, ("value", [.string])], logParameter)
        r.add(
            router, .post, "\(p)/log-metric",
            schema: [run, key, ("value", [.required, .float]), ("timestamp", [.int, .required]), ("step", [.int])], logMetric)
        r.add(router, .post, "\(p)/set-tag", schema: [run, key, ("value", [.string])], setTag)
        r.add(router, .post, "\(p)/delete-tag", schema: [run, key], deleteTag)
        r.add(
            router, .post, "\(p)/log-batch", limit: 1_048_576 + 65_536,
            schema: [("run_id", [.string, .required]), ("metrics", [.array]), ("params", [.array]), ("tags", [.array])], logBatch)
        let searchSchema: [(String, [Check])] = [
            ("experiment_ids", [.array]), ("filter", [.string]), ("max_results", [.int, .atMost(50_000)]),
            ("order_by", [.array, .stringItems]),
        ]
        r.add(router, .post, "\(p)/search", schema: searchSchema, search)
        r.add(router, .get, "\(p)/search", schema: searchSchema, search)
        r.add(
            router, .get, "/api/2.0/mlflow/metrics/get-history",
            schema: [("run_id", [.string, .required]), ("metric_key", [.string, .required]), ("page_token", [.string])], history)
        r.add(router, .post, "\(p)/outputs", schema: [run, ("models", [.required, .array])], logOutputs)
    }

    /// The run a request names (`run_id`, or the older `run_uuid`).
    static func runID(_ f: Fields) throws -> String {
        guard let id = f.string("run_id") ?? f.string("run_uuid"), !id.isEmpty else {
            throw APIError.invalid("Missing value for required parameter 'run_id'.")
        }
        return id
    }

    /// A run as `runs/get` answers it.
    func runJSON(_ id: String) throws -> JSON {
        let run: Run
        do { run = try store.runs.run(id: id) } catch let e as TrackerError where e.kind == .notFound {
            throw APIError.notFound("Run with id=\(id) not found")
        }
        return MLflowJSON.run(run, outputs: try store.mlflow.runOutputs(runID: id))
    }

    @Sendable func create(_ f: Fields) throws -> JSON {
        let exp = Int64(f.string("experiment_id") ?? "0") ?? -1
        guard try store.experiments.experiment(id: exp) != nil else {
            throw APIError.notFound("No Experiment with id=\(f.string("experiment_id") ?? "") exists")
        }
        var tags = try f.keyValues("tags")
        for i in tags.indices where tags[i].value.utf8.count > Limits.tagValueLength {
            tags[i] = KeyValue(tags[i].key, String(tags[i].value.utf8.prefix(Limits.tagValueLength)) ?? "")
        }
        let info = try store.runs.createRun(
            experimentID: exp, name: f.string("run_name") ?? "", userID: f.string("user_id") ?? "", startTime: try f.int64("start_time"),
            tags: tags)
        return .object([("run", try runJSON(info.runID))])
    }

    @Sendable func get(_ f: Fields) throws -> JSON { .object([("run", try runJSON(try Self.runID(f)))]) }

    @Sendable func update(_ f: Fields) throws -> JSON {
        let info = try store.runs.updateRun(
            runID: try Self.runID(f), status: try f.string("status").map(runStatus), endTime: try f.int64("end_time"),
            name: f.string("run_name"))
        return .object([("run_info", MLflowJSON.runInfo(info))])
    }

    @Sendable func delete(_ f: Fields) throws -> JSON {
        try store.runs.setRunLifecycle(runID: try Self.runID(f), deleted: true)
        return .object([])
    }

    @Sendable func restore(_ f: Fields) throws -> JSON {
        try store.runs.setRunLifecycle(runID: try Self.runID(f), deleted: false)
        return .object([])
    }

    @Sendable func logParameter(_ f: Fields) throws -> JSON {
        var value = f.string("value") ?? ""
        // The reference server truncates long values (MLFLOW_TRUNCATE_LONG_VALUES); so do we.
        if value.utf8.count > Limits.paramValueLength {
            value = String(value.utf8.prefix(Limits.paramValueLength)) ?? String(value.prefix(Limits.paramValueLength))
        }
        try store.metrics.log(runID: try Self.runID(f), LogBatch(params: [KeyValue(try f.require("key"), value)]))
        return .object([])
    }

    @Sendable func logMetric(_ f: Fields) throws -> JSON {
        let key = try f.require("key")
        guard let ts = try f.int64("timestamp") else { throw APIError.invalid("Missing value for required parameter 'timestamp'.") }
        let point = MetricPoint(key: key, value: try metricValue(f.raw("value")), step: try f.int64("step") ?? 0, time: ts)
        try store.metrics.log(runID: try Self.runID(f), LogBatch(metrics: [point]))
        return .object([])
    }

    @Sendable func setTag(_ f: Fields) throws -> JSON {
        try store.metrics.log(runID: try Self.runID(f), LogBatch(tags: [KeyValue(try f.require("key"), f.string("value") ?? "")]))
        return .object([])
    }

    @Sendable func deleteTag(_ f: Fields) throws -> JSON {
        try store.runs.deleteRunTag(runID: try Self.runID(f), key: try f.require("key"))
        return .object([])
    }

    @Sendable func logBatch(_ f: Fields) throws -> JSON {
        let id = try Self.runID(f)
        let params = try f.keyValues("params")
        let tags = try f.keyValues("tags")
        let metrics = try Self.batchMetrics(f.raw("metrics")?.arrayValue ?? [])
        try Self.checkBatchLimits(metrics: metrics.count, params: params.count, tags: tags.count)
        let truncated = params.map {
            $0.value.utf8.count > Limits.paramValueLength ? KeyValue($0.key, String($0.value.utf8.prefix(Limits.paramValueLength)) ?? "") : $0
        }
        do { try store.metrics.log(runID: id, LogBatch(params: truncated, tags: tags, metrics: metrics)) } catch let e as TrackerError {
            guard let words = MLflowWords.batchParamChanged(e) else { throw e }
            throw APIError.invalid(words)
        }
        return .object([])
    }

    /// A log-batch's metrics; each needs a key, a value and a timestamp.
    static func batchMetrics(_ items: [JSON]) throws -> [MetricPoint] {
        try items.enumerated().map { i, m -> MetricPoint in
            for field in ["key", "value", "timestamp"] where m[field] == nil || m[field] == .null || m[field] == .string("") {
                throw APIError.schema("Missing value for required parameter 'metrics[\(i)].\(field)'.")
            }
            return MetricPoint(
                key: m["key"]?.stringValue ?? "", value: try metricValue(m["value"]), step: m["step"]?.int64Value ?? 0,
                time: m["timestamp"]?.int64Value ?? 0)
        }
    }

    /// MLflow's log-batch limits, in its words.
    static func checkBatchLimits(metrics: Int, params: Int, tags: Int) throws {
        func refuse(_ most: Int, _ what: String, _ n: Int) -> APIError {
            APIError.invalid(
                "A batch logging request can contain at most \(most) \(what). Got \(n) \(what). Please split up \(what) across multiple requests and try again."
            )
        }
        if metrics > 1000 { throw refuse(1000, "metrics", metrics) }
        if params > 100 { throw refuse(100, "params", params) }
        if tags > 100 { throw refuse(100, "tags", tags) }
        if metrics + params + tags > 1000 { throw refuse(1000, "metrics, params, and tags", metrics + params + tags) }
    }

    @Sendable func search(_ f: Fields) throws -> JSON {
        let max = Int(try f.int64("max_results") ?? 1000)
        if max < 1 || max > 50_000 {
            throw APIError.invalid("Invalid value \(max) for parameter 'max_results' supplied: must be between 1 and 50000")
        }
        let offset = try PageToken.decode(f.string("page_token"))
        let runs = try store.runs.searchRuns(
            experimentIDs: f.strings("experiment_ids").compactMap { Int64($0) }, filter: try RunFilter.parse(f.string("filter") ?? ""),
            orderBy: try f.strings("order_by").map { try RunOrder.parse($0) }, view: viewType(f.string("run_view_type")), limit: max + 1,
            offset: offset)
        let page = Array(runs.prefix(max))
        return MLflowJSON.object([
            ("runs", MLflowJSON.list(try page.map { MLflowJSON.run($0, outputs: try store.mlflow.runOutputs(runID: $0.info.runID), inSearch: true) })),
            ("next_page_token", runs.count > max ? .string(PageToken.encode(offset + max)) : nil),
        ])
    }

    @Sendable func history(_ f: Fields) throws -> JSON {
        let id = try Self.runID(f)
        let key = try f.require("metric_key")
        // Like the reference, a max_results that is not a number is ignored here.
        let max = Int((try? f.int64("max_results")) ?? 25_000)
        if max < 1 { throw APIError.invalid("Invalid value \(max) for parameter 'max_results' supplied. It must be a positive integer.") }
        let offset = try PageToken.decode(f.string("page_token"))
        // The reference answers an unknown run's history with an empty one.
        let points: [MetricPoint]
        do { points = try store.metrics.metricHistory(runID: id, key: key, limit: max + 1, offset: offset) } catch let e as TrackerError
            where e.kind == .notFound
        { points = [] }
        return MLflowJSON.object([
            ("metrics", MLflowJSON.list(points.prefix(max).map(MLflowJSON.metric))),
            ("next_page_token", points.count > max ? .string(PageToken.encode(offset + max)) : nil),
        ])
    }

    @Sendable func logOutputs(_ f: Fields) throws -> JSON {
        let id = try Self.runID(f)
        let models = try (f.raw("models")?.arrayValue ?? []).map { m -> (String, Int64) in
            guard let mid = m["model_id"]?.stringValue else { throw APIError.invalid("every output needs a 'model_id'") }
            return (mid, m["step"]?.int64Value ?? 0)
        }
        try store.mlflow.logRunOutputs(runID: id, models: models)
        return .object([])
    }
}
