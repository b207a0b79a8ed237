import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Testing
import TrackerCore
import TrackerStore

@testable import TrackerServer

/// The differences the MLflow compatibility harness (tests/compat) found, one route test each:
/// validation before lookup in the reference's words, MLflow's error wording, the ajax-api
/// prefix, a registry fed from other servers, and logged-model behaviour.
@Suite struct CompatRouteTests {
    func app(_ tmp: TempDir) throws -> some ApplicationProtocol {
        let store = try Store.open(path: tmp.db, readers: 2)
        var logger = Logger(label: "test")
        logger.logLevel = .error
        return buildApplication(
            store: store, artifacts: ArtifactStore(root: tmp.url.appendingPathComponent("artifacts")), configuration: ServerConfiguration(),
            logger: logger)
    }

    func body(_ s: String) -> ByteBuffer { ByteBuffer(string: s) }

    /// The response body as JSON; a body that is not JSON fails the test.
    func json(_ r: TestResponse) -> JSON {
        do { return try JSON.parse(Array(r.body.readableBytesView)) } catch {
            Issue.record("response is not JSON: \(String(buffer: r.body))")
            return .null
        }
    }

    @Test func wrongTypesAndMissingFieldsAreRefusedBeforeAnyLookup() async throws {
        let tmp = TempDir()
        try await app(tmp).test(.router) { client in
            try await client.execute(uri: "/api/2.0/mlflow/experiments/create", method: .post, body: body(#"{"name":123}"#)) { r in
                #expect(r.status == .badRequest)
                #expect(
                    json(r)["message"]
                        == .string(
                            "Invalid value 123 for parameter 'name' supplied:  Hint: Value was of type 'int'. See the API docs for more information about request parameters."
                        ))
            }
            // An unknown run with a missing key: the missing key is reported, not the run.
            try await client.execute(uri: "/api/2.0/mlflow/runs/set-tag", method: .post, body: body(#"{"run_id":"nope","value":"v"}"#)) { r in
                #expect(r.status == .badRequest)
                #expect(json(r)["message"]?.stringValue?.hasPrefix("Missing value for required parameter 'key'.") == true)
            }
            try await client.execute(
                uri: "/api/2.0/mlflow/runs/log-metric", method: .post, body: body(#"{"run_id":"nope","key":"k","value":"abc","timestamp":1}"#)
            ) { r in
                #expect(json(r)["message"]?.stringValue?.hasPrefix(#"Invalid value "abc" for parameter 'value' supplied"#) == true)
            }
        }
    }

    @Test func errorsUseMLflowsWords() async throws {
        let tmp = TempDir()
        try await app(tmp).test(.router) { client in
            try await client.execute(uri: "/api/2.0/mlflow/runs/delete", method: .post, body: body(#"{"run_id":"fake_run_id"}"#)) { r in
                #expect(r.status == .notFound)
                #expect(json(r)["message"] == .string("Run with id=fake_run_id not found"))
            }
            try await client.execute(uri: "/api/2.0/mlflow/experiments/delete", method: .post, body: body(#"{"experiment_id":"42"}"#)) { r in
                #expect(json(r)["message"] == .string("No Experiment with id=42 exists"))
            }
        }
    }

    @Test func ajaxPrefixServesEveryRouteWithQueryParameters() async throws {
        let tmp = TempDir()
        try await app(tmp).test(.router) { client in
            let run = try await client.execute(uri: "/ajax-api/2.0/mlflow/runs/create", method: .post, body: body(#"{"experiment_id":"0"}"#)) {
                json($0)
            }
            let id = run["run"]?["info"]?["run_id"]?.stringValue ?? ""
            for step in 0..<5 {
                try await client.execute(
                    uri: "/api/2.0/mlflow/runs/log-metric", method: .post,
                    body: body(#"{"run_id":"\#(id)","key":"m","value":\#(step),"timestamp":1,"step":\#(step)}"#)
                ) { #expect($0.status == .ok) }
            }
            let page1 = try await client.execute(
                uri: "/ajax-api/2.0/mlflow/metrics/get-history?run_id=\(id)&metric_key=m&max_results=3", method: .get
            ) { json($0) }
            #expect(page1["metrics"]?.arrayValue?.count == 3)
            let token = page1["next_page_token"]?.stringValue ?? ""
            let page2 = try await client.execute(
                uri: "/ajax-api/2.0/mlflow/metrics/get-history?run_id=\(id)&metric_key=m&max_results=3&page_token=\(token)", method: .get
            ) { json($0) }
            #expect(page2["metrics"]?.arrayValue?.count == 2)
        }
    }

    @Test func registryAcceptsRunsOfOtherServersAndTagsTheLoggedModel() async throws {
        let tmp = TempDir()
        let foreign = "0123456789abcdef0123456789abcdef"
        try await app(tmp).test(.router) { client in
            let model = try await client.execute(
                uri: "/api/2.0/mlflow/logged-models", method: .post, body: body(#"{"experiment_id":"0","name":"m","source_run_id":"\#(foreign)"}"#)
            ) { r in
                #expect(r.status == .ok)
                return json(r)
            }
            let mid = model["model"]?["info"]?["model_id"]?.stringValue ?? ""
            _ = try await client.execute(uri: "/api/2.0/mlflow/registered-models/create", method: .post, body: body(#"{"name":"rm"}"#)) { _ in }
            try await client.execute(
                uri: "/api/2.0/mlflow/model-versions/create", method: .post, body: body(#"{"name":"rm","source":"s3://b/m","run_id":"\#(foreign)"}"#)
            ) { r in
                #expect(r.status == .ok)
                #expect(json(r)["model_version"]?["run_id"] == .string(foreign))
                #expect(json(r)["model_version"]?["tags"] == nil)
            }
            try await client.execute(
                uri: "/api/2.0/mlflow/model-versions/create", method: .post, body: body(#"{"name":"rm","source":"models:/\#(mid)","model_id":"\#(mid)"}"#)
            ) { #expect($0.status == .ok) }
            let got = try await client.execute(uri: "/api/2.0/mlflow/logged-models/\(mid)", method: .get) { json($0) }
            let tags = got["model"]?["info"]?["tags"]?.arrayValue ?? []
            #expect(tags.contains(.object([("key", .string("mlflow.modelVersions")), ("value", .string(#"[{"name": "rm", "version": 2}]"#))])))
            try await client.execute(uri: "/api/2.0/mlflow/logged-models/\(mid)/tags/never", method: .delete) { r in
                #expect(r.status == .notFound)
            }
        }
    }

    @Test func loggedModelArtifactRoutes() async throws {
        let tmp = TempDir()
        try await app(tmp).test(.router) { client in
            let model = try await client.execute(
                uri: "/api/2.0/mlflow/logged-models", method: .post, body: body(#"{"experiment_id":"0","name":"m"}"#)
            ) { json($0) }
            let mid = model["model"]?["info"]?["model_id"]?.stringValue ?? ""
            try await client.execute(
                uri: "/api/2.0/mlflow-artifacts/artifacts/0/models/\(mid)/artifacts/sub/x.txt", method: .put, body: body("hello")
            ) { #expect($0.status == .ok) }
            try await client.execute(uri: "/api/2.0/mlflow/logged-models/\(mid)/artifacts/directories", method: .get) { r in
                #expect(json(r)["files"] == .array([.object([("path", .string("sub")), ("is_dir", .bool(true))])]))
            }
            try await client.execute(uri: "/api/2.0/mlflow/logged-models/\(mid)/artifacts/files?artifact_file_path=sub/x.txt", method: .get) {
                #expect(String(buffer: $0.body) == "hello")
            }
        }
    }
}
