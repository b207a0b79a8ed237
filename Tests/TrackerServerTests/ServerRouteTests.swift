import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Testing
import TrackerCore
import TrackerStore

@testable import TrackerServer

/// Route tests through HummingbirdTesting (no socket): wire shapes, status codes, limits, auth.
@Suite struct ServerRouteTests {
    func app(_ tmp: TempDir, token: String? = nil) throws -> some ApplicationProtocol {
        let store = try Store.open(path: tmp.db, readers: 2)
        var c = ServerConfiguration()
        c.token = token
        var logger = Logger(label: "test")
        logger.logLevel = .error
        return buildApplication(store: store, artifacts: ArtifactStore(root: tmp.url.appendingPathComponent("artifacts")), configuration: c, logger: logger)
    }

    func body(_ s: String) -> ByteBuffer { ByteBuffer(string: s) }

    /// The body as JSON; unparsable JSON fails the test (it used to read as `.null` silently).
    func json(_ r: TestResponse, sourceLocation: SourceLocation = #_sourceLocation) -> JSON {
        (try? requireJSON(Array(r.body.readableBytesView), sourceLocation: sourceLocation)) ?? .null
    }

    @Test(arguments: TestBackend.all) func experimentsRunsAndMetricsOnTheWire(_ backend: TestBackend) async throws {
        let tmp = try TempDir(backend)
        try await app(tmp).test(.router) { client in
            try await client.execute(uri: "/health", method: .get) { #expect(String(buffer: $0.body) == "OK") }
            try await client.execute(uri: "/api/2.0/mlflow/experiments/get-by-name?experiment_name=new", method: .get) { r in
                #expect(r.status == .notFound)
                #expect(json(r)["error_code"] == .string("RESOURCE_DOES_NOT_EXIST"))
            }
            let created = try await client.execute(uri: "/api/2.0/mlflow/experiments/create", method: .post, body: body(#"{"name":"new"}"#)) { json($0) }
            #expect(created["experiment_id"] == .string("1"))
            let run = try await client.execute(
                uri: "/api/2.0/mlflow/runs/create", method: .post, body: body(#"{"experiment_id":"1","start_time":"1700000000000","run_name":"r"}"#)
            ) { json($0) }
            let id = run["run"]?["info"]?["run_id"]?.stringValue ?? ""
            #expect(run["run"]?["info"]?["start_time"] == .int(1_700_000_000_000))  // int64 string in, number out
            for (v, step) in [("\"NaN\"", 1), ("\"-Infinity\"", 2), ("0.5", 3)] {
                try await client.execute(
                    uri: "/api/2.0/mlflow/runs/log-metric", method: .post,
                    body: body(#"{"run_id":"\#(id)","key":"m","value":\#(v),"timestamp":"5","step":\#(step)}"#)
                ) { #expect($0.status == .ok) }
            }
            let hist = try await client.execute(uri: "/api/2.0/mlflow/metrics/get-history?run_id=\(id)&metric_key=m", method: .get) { json($0) }
            #expect(hist["metrics"]?.arrayValue?.map { $0["value"] } == [.string("NaN"), .string("-Infinity"), .double(0.5)])
            try await client.execute(
                uri: "/api/2.0/mlflow/runs/log-metric", method: .post, body: body(#"{"run_id":"\#(id)","key":"m","value":1}"#)
            ) { r in
                #expect(r.status == .badRequest)
                #expect(json(r)["message"]?.stringValue?.contains("'timestamp'") == true)
            }
            let empty = try await client.execute(
                uri: "/api/2.0/mlflow/runs/search", method: .post, body: body(#"{"experiment_ids":["1"],"filter":"metrics.m > 100"}"#)
            ) { json($0) }
            #expect(empty == .object([]))
            try await client.execute(uri: "/api/2.0/mlflow/runs/update", method: .post, body: body(#"{"run_id":"\#(id)","status":3}"#)) { r in
                #expect(json(r)["run_info"]?["status"] == .string("FINISHED"))
            }
            try await client.execute(uri: "/api/2.0/mlflow/nope", method: .post) { r in
                #expect(r.status == .notFound)
                #expect(json(r)["error_code"] == .string("ENDPOINT_NOT_FOUND"))
            }
        }
    }

    @Test(arguments: TestBackend.all) func logBatchLimits(_ backend: TestBackend) async throws {
        let tmp = try TempDir(backend)
        try await app(tmp).test(.router) { client in
            let run = try await client.execute(uri: "/api/2.0/mlflow/runs/create", method: .post, body: body(#"{"experiment_id":"0"}"#)) { json($0) }
            let id = run["run"]?["info"]?["run_id"]?.stringValue ?? ""
            let params = (0..<101).map { #"{"key":"p\#($0)","value":"v"}"# }.joined(separator: ",")
            try await client.execute(uri: "/api/2.0/mlflow/runs/log-batch", method: .post, body: body(#"{"run_id":"\#(id)","params":[\#(params)]}"#)) { r in
                #expect(r.status == .badRequest)
                #expect(json(r)["message"]?.stringValue?.contains("at most 100 params") == true)
            }
            let metrics = (0..<1001).map { #"{"key":"m","value":1,"timestamp":1,"step":\#($0)}"# }.joined(separator: ",")
            try await client.execute(uri: "/api/2.0/mlflow/runs/log-batch", method: .post, body: body(#"{"run_id":"\#(id)","metrics":[\#(metrics)]}"#)) { r in
                #expect(r.status == .badRequest)
                #expect(json(r)["error_code"] == .string("INVALID_PARAMETER_VALUE"))
            }
            // Over the 1 MB request limit: 400, not 5xx.
            let big = String(repeating: "x", count: 1_200_000)
            try await client.execute(
                uri: "/api/2.0/mlflow/runs/log-batch", method: .post, body: body(#"{"run_id":"\#(id)","tags":[{"key":"t","value":"\#(big)"}]}"#)
            ) { r in #expect(r.status == .badRequest) }
            // Nothing of the rejected batches was written.
            let got = try await client.execute(uri: "/api/2.0/mlflow/runs/get?run_id=\(id)", method: .get) { json($0) }
            #expect(got["run"]?["data"]?["params"] == nil)
            try await client.execute(uri: "/api/2.0/mlflow/runs/log-batch", method: .post, body: body("{not json")) { r in
                #expect(r.status == .badRequest)
            }
        }
    }

    @Test(arguments: TestBackend.all) func artifactsRoundTripAndTraversalIsRefused(_ backend: TestBackend) async throws {
        let tmp = try TempDir(backend)
        try await app(tmp).test(.router) { client in
            let run = try await client.execute(uri: "/api/2.0/mlflow/runs/create", method: .post, body: body(#"{"experiment_id":"0"}"#)) { json($0) }
            let id = run["run"]?["info"]?["run_id"]?.stringValue ?? ""
            let base = "/api/2.0/mlflow-artifacts/artifacts/0/\(id)/artifacts"
            try await client.execute(uri: "\(base)/dir/a.txt", method: .put, body: body("hello")) { #expect($0.status == .ok) }
            try await client.execute(uri: "\(base)/dir/a.txt", method: .get) { #expect(String(buffer: $0.body) == "hello") }
            let list = try await client.execute(uri: "/api/2.0/mlflow-artifacts/artifacts?path=0%2F\(id)%2Fartifacts", method: .get) { json($0) }
            #expect(list == .object([("files", .array([.object([("path", .string("dir")), ("is_dir", .bool(true))])]))]))
            for bad in ["\(base)/../../x", "\(base)/%2E%2E/x", "/api/2.0/mlflow-artifacts/artifacts/0/\(id)/artifacts/a/./b"] {
                try await client.execute(uri: bad, method: .put, body: body("x")) { r in
                    #expect(r.status == .badRequest || r.status == .notFound, "\(bad) → \(r.status)")
                }
            }
            try await client.execute(uri: "\(base)/dir", method: .delete) { #expect($0.status == .ok) }
            try await client.execute(uri: "\(base)/dir/a.txt", method: .get) { #expect($0.status == .notFound) }
        }
    }

    @Test(arguments: TestBackend.all) func bearerTokenIsRequired(_ backend: TestBackend) async throws {
        let tmp = try TempDir(backend)
        try await app(tmp, token: "t0k3n").test(.router) { client in
            try await client.execute(uri: "/api/2.0/mlflow/experiments/get?experiment_id=0", method: .get) { #expect($0.status == .unauthorized) }
            try await client.execute(uri: "/health", method: .get, headers: [.authorization: "Bearer nope"]) { #expect($0.status == .unauthorized) }
            try await client.execute(uri: "/api/2.0/mlflow/experiments/get?experiment_id=0", method: .get, headers: [.authorization: "Bearer t0k3n"]) {
                #expect($0.status == .ok)
            }
        }
    }

    @Test(arguments: TestBackend.all) func nativePromoteAnswers409WithTheGates(_ backend: TestBackend) async throws {
        let tmp = try TempDir(backend)
        let s = try Store.open(path: tmp.db)
        let r = try s.runs.createRun(experimentID: 0)
        try s.metrics.log(runID: r.runID, LogBatch(metrics: [MetricPoint(key: "accuracy", value: 0.8, step: 0, time: 1)]))
        _ = try s.registry.registerVersion(name: "m", runID: r.runID)
        try await app(tmp).test(.router) { client in
            try await client.execute(
                uri: "/api/v1/promote", method: .post, body: body(#"{"model":"m","version":"1","env":"production","require":["accuracy >= 0.9"]}"#)
            ) { r in
                #expect(r.status == .conflict)
                #expect(json(r)["gates"]?.arrayValue?.first?["detail"] == .string("accuracy = 0.8"))
            }
            try await client.execute(uri: "/api/v1/promote", method: .post, body: body(#"{"model":"m","version":"1","env":"production","actor":"ci"}"#)) { r in
                #expect(r.status == .ok)
                #expect(json(r)["result"] == .string("promoted"))
            }
            try await client.execute(
                uri: "/api/v1/live", method: .post,
                body: body(#"[{"type":"window","model":"m","env":"production","metric":"accuracy","value":0.7,"count":100}]"#)
            ) {
                r in
                #expect(r.status == .ok)
                #expect(json(r)["stored"] == .int(1))
            }
            try await client.execute(uri: "/api/v1/live", method: .post, body: body("{\"type\":\"window\",\"model\":\"zzz\"}\n")) { r in
                #expect(r.status == .badRequest)
                #expect(json(r)["rejected"] == .int(1))
            }
        }
    }
}

@Suite struct RegistryRouteTests {
    func body(_ s: String) -> ByteBuffer { ByteBuffer(string: s) }
    /// The body as JSON; unparsable JSON fails the test (it used to read as `.null` silently).
    func json(_ r: TestResponse, sourceLocation: SourceLocation = #_sourceLocation) -> JSON {
        (try? requireJSON(Array(r.body.readableBytesView), sourceLocation: sourceLocation)) ?? .null
    }

    @Test(arguments: TestBackend.all) func registryThroughTheMLflowAPI(_ backend: TestBackend) async throws {
        let tmp = try TempDir(backend)
        let store = try Store.open(path: tmp.db)
        let run = try store.runs.createRun(experimentID: 0)
        try store.metrics.log(runID: run.runID, LogBatch(metrics: [MetricPoint(key: "accuracy", value: 0.9, step: 0, time: 1)]))
        var logger = Logger(label: "test")
        logger.logLevel = .error
        let app = buildApplication(
            store: store, artifacts: ArtifactStore(root: tmp.url.appendingPathComponent("a")), configuration: ServerConfiguration(), logger: logger)
        let p = "/api/2.0/mlflow"
        try await app.test(.router) { client in
            try await client.execute(uri: "\(p)/registered-models/create", method: .post, body: body(#"{"name":"m","tags":[{"key":"team","value":"ml"}]}"#)) {
                #expect(json($0)["registered_model"]?["name"] == .string("m"))
            }
            try await client.execute(uri: "\(p)/registered-models/create", method: .post, body: body(#"{"name":"m"}"#)) { r in
                #expect(r.status == .badRequest && json(r)["error_code"] == .string("RESOURCE_ALREADY_EXISTS"))
            }
            try await client.execute(
                uri: "\(p)/model-versions/create", method: .post, body: body(#"{"name":"m","source":"runs:/\#(run.runID)/model","run_id":"\#(run.runID)"}"#)
            ) { r in
                #expect(json(r)["model_version"]?["version"] == .string("1"))
                #expect(json(r)["model_version"]?["status"] == .string("READY"))
            }
            try await client.execute(uri: "\(p)/registered-models/alias", method: .post, body: body(#"{"name":"m","alias":"champion","version":"1"}"#)) {
                #expect($0.status == .ok)
            }
            try await client.execute(uri: "\(p)/registered-models/alias?name=m&alias=champion", method: .get) { r in
                #expect(json(r)["model_version"]?["aliases"] == .array([.string("champion")]))
            }
            try await client.execute(uri: "\(p)/model-versions/get-download-uri?name=m&version=1", method: .get) { r in
                #expect(json(r)["artifact_uri"] == .string("mlflow-artifacts:/0/\(run.runID)/artifacts/model"))
            }
            try await client.execute(
                uri: "\(p)/registered-models/search?filter=tag.%60mlflow.prompt.is_prompt%60+%21%3D+%27true%27&max_results=100", method: .get
            ) { r in
                #expect(json(r)["registered_models"]?.arrayValue?.count == 1)
            }
            try await client.execute(uri: "\(p)/model-versions/search?filter=name+%3D+%27m%27", method: .get) { r in
                #expect(json(r)["model_versions"]?.arrayValue?.first?["run_id"] == .string(run.runID))
            }
            try await client.execute(
                uri: "\(p)/model-versions/transition-stage", method: .post,
                body: body(#"{"name":"m","version":"1","stage":"production","archive_existing_versions":true}"#)
            ) { r in
                #expect(json(r)["model_version"]?["current_stage"] == .string("Production"))
            }
            try await client.execute(uri: "\(p)/registered-models/get?name=nope", method: .get) { r in
                #expect(r.status == .notFound && json(r)["error_code"] == .string("RESOURCE_DOES_NOT_EXIST"))
            }
            try await client.execute(uri: "\(p)/registered-models/rename", method: .post, body: body(#"{"name":"m","new_name":"m2"}"#)) {
                #expect(json($0)["registered_model"]?["name"] == .string("m2"))
            }
        }
        // The version registered through the API carries the run's metrics as offline metrics.
        #expect(try store.registry.version(model: "m2", ref: "1").offlineMetrics["accuracy"] == 0.9)
    }
}

@Suite struct SimpleFilterTests {
    @Test func parsesAndMatches() throws {
        let c = try SimpleFilter.parse("tag.`mlflow.prompt.is_prompt` != 'true' and name LIKE 'ch%' and run_id IN ('a', 'b') and version_number >= 2")
        #expect(c.map(\.op) == ["!=", "LIKE", "IN", ">="])
        #expect(c[0].tag == "mlflow.prompt.is_prompt")
        #expect(SimpleFilter.matches(c[0], nil))  // an absent tag matches "!="
        #expect(SimpleFilter.matches(c[1], "churn") && !SimpleFilter.matches(c[1], "Churn"))
        #expect(SimpleFilter.matches(c[2], "b") && !SimpleFilter.matches(c[2], "c"))
        #expect(SimpleFilter.matches(c[3], "3") && !SimpleFilter.matches(c[3], "1"))
        #expect(SimpleFilter.like("abc", "A_C", caseInsensitive: true))
        #expect(throws: TrackerError.self) { try SimpleFilter.parse("name ~ 'x'") }
        #expect(throws: TrackerError.self) { try SimpleFilter.parse("name = 'unterminated") }
    }

    /// On PostgreSQL store work waits on round trips, so the server runs one thread per pooled
    /// connection (it used to run 2, capping one server at ~1000 runs/get a second); SQLite
    /// keeps its CPU-bound sizing.
    @Test func blockingPoolFollowsTheBackend() {
        var c = ServerConfiguration()
        c.readers = 4
        let sqlite = blockingThreads(c)
        #expect(sqlite == max(2, min(5, System.coreCount)))
        c.postgres = true
        #expect(blockingThreads(c) == 16)
        c.pgConnections = 8
        #expect(blockingThreads(c) == 8)
        c.pgConnections = 0
        #expect(blockingThreads(c) == 1)
    }
}
