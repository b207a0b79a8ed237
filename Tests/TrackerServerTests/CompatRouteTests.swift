import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import SQLiteKit
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

    @Test(arguments: TestBackend.all) func wrongTypesAndMissingFieldsAreRefusedBeforeAnyLookup(_ backend: TestBackend) async throws {
        let tmp = try TempDir(backend)
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

    @Test(arguments: TestBackend.all) func errorsUseMLflowsWords(_ backend: TestBackend) async throws {
        let tmp = try TempDir(backend)
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

    @Test(arguments: TestBackend.all) func ajaxPrefixServesEveryRouteWithQueryParameters(_ backend: TestBackend) async throws {
        let tmp = try TempDir(backend)
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

    @Test(arguments: TestBackend.all) func registryAcceptsRunsOfOtherServersAndTagsTheLoggedModel(_ backend: TestBackend) async throws {
        let tmp = try TempDir(backend)
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

    @Test(arguments: TestBackend.all) func loggedModelArtifactRoutes(_ backend: TestBackend) async throws {
        let tmp = try TempDir(backend)
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

    /// Sends `body` to `path` with `method` and returns (status, error_code, message).
    func call(_ client: some TestClientProtocol, _ method: HTTPRequest.Method, _ path: String, _ body: String? = nil) async throws -> (
        HTTPResponse.Status, String?, String?
    ) {
        try await client.execute(uri: "/api/2.0/mlflow/" + path, method: method, body: body.map(self.body)) { r in
            let j = r.body.readableBytes == 0 ? JSON.null : json(r)
            return (r.status, j["error_code"]?.stringValue, j["message"]?.stringValue)
        }
    }

    @Test(arguments: TestBackend.all) func registryAliasesStagesTagsAndSearchFollowTheReference(_ backend: TestBackend) async throws {
        let tmp = try TempDir(backend)
        try await app(tmp).test(.router) { client in
            _ = try await call(client, .post, "registered-models/create", #"{"name":"m"}"#)
            _ = try await call(client, .post, "model-versions/create", #"{"name":"m","source":"s3://b/m"}"#)
            // 'latest' is tracker's own alias; the reference reserves it too.
            var r = try await call(client, .post, "registered-models/alias", #"{"name":"m","alias":"Latest","version":"1"}"#)
            #expect(r.0 == .badRequest && r.2 == "'latest' alias name (case insensitive) is reserved.")
            r = try await call(client, .post, "registered-models/alias", #"{"name":"m","alias":"v3","version":"1"}"#)
            #expect(r.2 == "Version alias name 'v3' is reserved.")
            r = try await call(client, .post, "registered-models/alias", #"{"name":"nope","alias":"a","version":"1"}"#)
            #expect(r.0 == .notFound && r.2 == "Model Version (name=nope, version=1) not found")
            r = try await call(client, .get, "registered-models/alias?name=m&alias=nope")
            #expect(r.0 == .badRequest && r.1 == "INVALID_PARAMETER_VALUE" && r.2 == "Registered model alias nope not found.")
            r = try await call(client, .delete, "registered-models/alias", #"{"name":"m","alias":"never"}"#)
            #expect(r.0 == .ok)
            r = try await call(client, .post, "registered-models/get-latest-versions", #"{"name":"m","stages":["bogus"]}"#)
            #expect(r.0 == .badRequest && r.2?.hasPrefix("Invalid Model Version stage: bogus.") == true)
            let longKey = String(repeating: "k", count: 251)
            r = try await call(client, .post, "registered-models/set-tag", #"{"name":"m","key":"\#(longKey)","value":"v"}"#)
            #expect(r.0 == .badRequest && r.2 == "'key' exceeds the maximum length of 250 characters")
            r = try await call(client, .post, "model-versions/set-tag", #"{"name":"m","version":"1","key":"\#(longKey)","value":"v"}"#)
            #expect(r.0 == .badRequest && r.2 == "'key' exceeds the maximum length of 250 characters")
            r = try await call(client, .get, "registered-models/search?filter=bogus+%3D+1")
            #expect(r.0 == .badRequest && r.2 == "Invalid attribute key 'bogus' specified. Valid keys are '{'name'}'")
            r = try await call(client, .get, "model-versions/search?filter=name+%3D+m")
            #expect(r.0 == .badRequest && r.2?.hasPrefix("Parameter value is either not quoted") == true)
            r = try await call(client, .get, "model-versions/search?filter=version_number+%3D+1")
            #expect(r.0 == .ok)
            r = try await call(client, .get, "model-versions/get?name=m&version=abc")
            #expect(r.0 == .badRequest && r.2 == "Parameter 'version' must be an integer, got 'abc'.")
            r = try await call(client, .get, "model-versions/get-download-uri?name=m")
            #expect(r.0 == .badRequest && r.2 == "Parameter 'version' must be an integer, got ''.")
            r = try await call(client, .get, "model-versions/get-download-uri?version=1")
            #expect(r.2 == "Missing value for required parameter 'name'.")
            // A model without the tag does not match != (the prompt marker aside).
            let unequal = try await client.execute(uri: "/api/2.0/mlflow/registered-models/search?filter=tags.k+%21%3D+%27v%27", method: .get) {
                json($0)["registered_models"]
            }
            #expect(unequal == nil || unequal == .array([]))
            r = try await call(client, .get, "registered-models/search?order_by=bogus")
            #expect(r.0 == .badRequest && r.1 == "INVALID_PARAMETER_VALUE")
        }
    }

    @Test(arguments: TestBackend.all) func renamingAnExperimentOntoATakenNameIsABadRequest(_ backend: TestBackend) async throws {
        let tmp = try TempDir(backend)
        try await app(tmp).test(.router) { client in
            _ = try await call(client, .post, "experiments/create", #"{"name":"a"}"#)
            _ = try await call(client, .post, "experiments/create", #"{"name":"b"}"#)
            let r = try await call(client, .post, "experiments/update", #"{"experiment_id":"2","new_name":"a"}"#)
            #expect(r.0 == .badRequest && r.1 == "BAD_REQUEST")
        }
    }

    /// HTTP status, MLflow code and wording come from the error's kind and subject, not its text.
    @Test func errorsMapByKindAndSubjectNotByText() {
        let locked = Store.describe(SQLiteError(extendedCode: 5, message: "database is locked"), path: "t.db")
        #expect((locked as? TrackerError)?.kind == .busy)
        let busy = APIError.from(locked)
        #expect(busy.status == .serviceUnavailable && busy.code == "TEMPORARILY_UNAVAILABLE")
        // A message that merely mentions a lock is not a busy database.
        let other = APIError.from(TrackerError(.storage, "the file stayed locked"))
        #expect(other.status == .internalServerError && other.code == "INTERNAL_ERROR")
        let run = APIError.from(TrackerError.notFound("run abc not found; list runs with 'tracker run list'", subject: .run("abc")))
        #expect(run.status == .notFound && run.message == "Run with id=abc not found")
        let version = APIError.from(TrackerError.notFound("no such version", subject: .version(model: "m", version: 3)))
        #expect(version.message == "Model Version (name=m, version=3) not found")
        let plain = APIError.from(TrackerError.invalid("run abc not found"))
        #expect(plain.code == "INVALID_PARAMETER_VALUE" && plain.message == "run abc not found")
        let limit = APIError.from(TrackerError.invalid("long", subject: .tooLong(field: "Param key", limit: 250)))
        #expect(limit.message == "'Param key' exceeds the maximum length of 250 characters")
    }

    /// Model-version search without order_by: most recently updated first (the reference's
    /// default), then name, then newest version; run search results carry `outputs`.
    @Test(arguments: TestBackend.all) func searchOrderAndShapeFollowTheReference(_ backend: TestBackend) async throws {
        let tmp = try TempDir(backend)
        try await app(tmp).test(.router) { client in
            _ = try await call(client, .post, "registered-models/create", #"{"name":"m"}"#)
            _ = try await call(client, .post, "model-versions/create", #"{"name":"m","source":"s3://b/1"}"#)
            _ = try await call(client, .post, "model-versions/create", #"{"name":"m","source":"s3://b/2"}"#)
            try await Task.sleep(for: .milliseconds(5))
            _ = try await call(client, .patch, "model-versions/update", #"{"name":"m","version":"1","description":"touched"}"#)
            let versions = try await client.execute(uri: "/api/2.0/mlflow/model-versions/search?filter=name+%3D+%27m%27", method: .get) {
                json($0)["model_versions"]?.arrayValue?.compactMap { $0["version"]?.stringValue }
            }
            #expect(versions == ["1", "2"])
            _ = try await call(client, .post, "runs/create", #"{"experiment_id":"0"}"#)
            let run = try await client.execute(uri: "/api/2.0/mlflow/runs/search", method: .post, body: body(#"{"experiment_ids":["0"]}"#)) {
                json($0)["runs"]?.arrayValue?.first
            }
            #expect(run?["outputs"] == .object([]) && run?["inputs"] == .object([]))
        }
    }

    /// POSTs `payload` to an MLflow route and returns the answer's status and message.
    func post(_ client: some TestClientProtocol, _ path: String, _ payload: String) async throws -> (HTTPResponse.Status, String) {
        try await client.execute(uri: "/api/2.0/mlflow/\(path)", method: .post, body: body(payload)) { r in
            (r.status, json(r)["message"]?.stringValue ?? "")
        }
    }

    @Test(arguments: TestBackend.all) func runSearchRefusesFiltersAndOrdersInTheReferencesWords(_ backend: TestBackend) async throws {
        let tmp = try TempDir(backend)
        try await app(tmp).test(.router) { client in
            let cases: [(String, String)] = [
                (#"{"experiment_ids":["0"],"filter":"metrics.acc ~ 1"}"#, "Invalid comparator '~' not one of '{'>', '>=', '!=', '=', '<', '<='}"),
                (
                    #"{"experiment_ids":["0"],"filter":"params.lr = 0.1"}"#,
                    "Expected a quoted string value for parameter (e.g. 'my-value'). Got value 0.1"
                ),
                (#"{"experiment_ids":["0"],"filter":"acc > 1"}"#, "Invalid attribute key 'acc' specified. Valid keys are '{'artifact_uri'"),
                (#"{"experiment_ids":["0"],"order_by":["metrics.acc SIDEWAYS"]}"#, "Invalid ordering key in order_by clause 'metrics.acc SIDEWAYS'."),
                (#"{"experiment_ids":["0"],"order_by":["bogus"]}"#, "Invalid attribute key 'bogus' specified. Valid keys are '{'artifact_uri'"),
            ]
            for (payload, words) in cases {
                let (status, message) = try await post(client, "runs/search", payload)
                #expect(status == .badRequest)
                #expect(message.hasPrefix(words), "\(payload): \(message)")
            }
        }
    }

    @Test(arguments: TestBackend.all) func runSearchTakesBareAttributesAndILIKEOnRunName(_ backend: TestBackend) async throws {
        let tmp = try TempDir(backend)
        try await app(tmp).test(.router) { client in
            for name in ["Ranger", "other"] {
                _ = try await post(client, "runs/create", #"{"experiment_id":"0","run_name":"\#(name)"}"#)
            }
            try await client.execute(
                uri: "/api/2.0/mlflow/runs/search", method: .post, body: body(#"{"experiment_ids":["0"],"filter":"run_name ILIKE 'r%'"}"#)
            ) { r in
                #expect(r.status == .ok)
                #expect(json(r)["runs"]?.arrayValue?.compactMap { $0["info"]?["run_name"]?.stringValue } == ["Ranger"])
            }
        }
    }

    @Test(arguments: TestBackend.all) func loggedModelSearchRefusesAnOperatorInTheReferencesWords(_ backend: TestBackend) async throws {
        let tmp = try TempDir(backend)
        try await app(tmp).test(.router) { client in
            let (status, message) = try await post(client, "logged-models/search", #"{"experiment_ids":["0"],"filter":"bogus ~ 1"}"#)
            #expect(status == .badRequest)
            #expect(message == "Invalid comparison operator for attributes.bogus: '~'. Expected one of ('=', '!=', 'LIKE', 'ILIKE', 'IN', 'NOT IN').")
        }
    }

    @Test(arguments: TestBackend.all) func keysAndChangedParamsAreRefusedInTheReferencesWords(_ backend: TestBackend) async throws {
        let tmp = try TempDir(backend)
        try await app(tmp).test(.router) { client in
            let run = try await client.execute(uri: "/api/2.0/mlflow/runs/create", method: .post, body: body(#"{"experiment_id":"0"}"#)) {
                json($0)["run"]?["info"]?["run_id"]?.stringValue ?? ""
            }
            let metric = #"{"run_id":"\#(run)","value":1,"timestamp":1,"key":"#
            var (_, message) = try await post(client, "runs/log-metric", metric + #""bad*key"}"#)
            #expect(message.hasPrefix(#"Invalid value "bad*key" for parameter 'name' supplied: Names may only contain alphanumerics"#))
            (_, message) = try await post(client, "runs/log-metric", metric + #""a/../../up"}"#)
            #expect(message.hasSuffix("This name would resolve to '../up'"), "\(message)")
            _ = try await post(client, "runs/log-parameter", #"{"run_id":"\#(run)","key":"lr","value":"0.1"}"#)
            (_, message) = try await post(client, "runs/log-parameter", #"{"run_id":"\#(run)","key":"lr","value":"0.2"}"#)
            #expect(
                message
                    == "Changing param values is not allowed. Param with key='lr' was already logged with value='0.1' for run ID='\(run)'. Attempted logging new value '0.2'."
            )
            (_, message) = try await post(client, "runs/log-batch", #"{"run_id":"\#(run)","params":[{"key":"lr","value":"0.3"}]}"#)
            #expect(
                message
                    == "Changing param values is not allowed. Params were already logged='[{'key': 'lr', 'old_value': '0.1', 'new_value': '0.3'}]' for run ID='\(run)'."
            )
            (_, message) = try await post(client, "experiments/create", #"{"name":"e","tags":[{"value":"v"}]}"#)
            #expect(message.hasSuffix("This name would resolve to '.'"), "\(message)")
        }
    }

    @Test(arguments: TestBackend.all) func versionSourcesWithRelativePathsAreRefusedBeforeTheModelLookup(_ backend: TestBackend) async throws {
        let tmp = try TempDir(backend)
        try await app(tmp).test(.router) { client in
            for source in ["s3://bucket", "s3://bucket/a/../b", "runs:/x/%2E%2E/y", "mlflow-artifacts:/a/./b"] {
                let (status, message) = try await post(client, "model-versions/create", #"{"name":"no-such-model","source":"\#(source)"}"#)
                #expect(status == .badRequest)
                #expect(message.hasPrefix("Invalid model version source:"), "\(source): \(message)")
            }
            let (status, message) = try await post(client, "model-versions/create", #"{"name":"no-such-model","source":"s3://bucket/m"}"#)
            #expect(status == .notFound)
            #expect(message == "Registered Model with name=no-such-model not found")
        }
    }

    @Test func normpathIsPythons() {
        for (path, normal) in [("", "."), ("../up", "../up"), ("a/../../up", "../up"), ("/a/./b/", "/a/b"), ("//x", "//x"), ("///x", "/x"), ("/..", "/")] {
            #expect(MLflowWords.normpath(path) == normal, "\(path)")
        }
    }

    @Test(arguments: TestBackend.all) func artifactRootListsTheExperimentsThatHoldArtifacts(_ backend: TestBackend) async throws {
        let tmp = try TempDir(backend)
        try await app(tmp).test(.router) { client in
            let run = try await client.execute(uri: "/api/2.0/mlflow/runs/create", method: .post, body: body(#"{"experiment_id":"0"}"#)) {
                json($0)["run"]?["info"]?["run_id"]?.stringValue ?? ""
            }
            let root = "/api/2.0/mlflow-artifacts/artifacts"
            try await client.execute(uri: root, method: .get) { r in #expect(json(r) == .object([])) }
            try await client.execute(uri: "\(root)/0/\(run)/artifacts/a.txt", method: .put, body: body("hi")) { r in #expect(r.status == .ok) }
            try await client.execute(uri: root + "?path=", method: .get) { r in
                #expect(json(r)["files"]?.arrayValue == [.object([("path", .string("0")), ("is_dir", .bool(true))])])
            }
        }
    }
}
