import Foundation
import Hummingbird
import NIOCore
import TrackerCore
import TrackerStore

/// MLflow 3 logged models, their tags, params and artifacts (mlflow-api.md §4).
/// One handler per route; `addRoutes(to:)` is the route table.
struct LoggedModelsController: Sendable {
    let r: Routes
    var store: Store { r.store }

    func addRoutes(to router: Router<BasicRequestContext>) {
        let p = "/api/2.0/mlflow/logged-models"
        let createSchema: [(String, [Check])] = [
            ("experiment_id", [.string, .required]), ("name", [.string]), ("model_type", [.string]), ("source_run_id", [.string]),
            ("params", [.array]), ("tags", [.array]),
        ]
        r.add(router, .post, p, schema: createSchema, create)
        let searchSchema: [(String, [Check])] = [
            ("experiment_ids", [.array, .stringItems, .required]), ("filter", [.string]), ("datasets", [.array]),
            ("max_results", [.int]), ("order_by", [.array]), ("page_token", [.string]),
        ]
        r.add(router, .post, "\(p)/search", schema: searchSchema, search)
        r.add(router, .get, "\(p)/:id", get)
        r.add(router, .patch, "\(p)/:id", schema: [("status", [.required])], finalize)
        r.add(router, .delete, "\(p)/:id", delete)
        r.add(router, .patch, "\(p)/:id/tags", schema: [("tags", [.array])], setTags)
        r.add(router, .delete, "\(p)/:id/tags/:key", deleteTag)
        r.add(router, .post, "\(p)/:id/params", schema: [("params", [.array])], logParams)
        r.add(router, .get, "\(p)/:id/artifacts/directories", schema: [("artifact_directory_path", [.string])], listArtifacts)
        router.get("\(p)/:id/artifacts/files", use: downloadArtifact)
    }

    /// A logged-model status by name or protobuf number.
    static func status(_ s: String?) -> String {
        switch s?.uppercased() {
        case "2", "LOGGED_MODEL_READY": return "LOGGED_MODEL_READY"
        case "3", "LOGGED_MODEL_UPLOAD_FAILED": return "LOGGED_MODEL_UPLOAD_FAILED"
        case "1", "LOGGED_MODEL_PENDING": return "LOGGED_MODEL_PENDING"
        default: return "LOGGED_MODEL_STATUS_UNSPECIFIED"
        }
    }

    @Sendable func create(_ f: Fields) throws -> JSON {
        let id = try f.require("experiment_id")
        guard let exp = Int64(id) else { throw APIError.invalid("Invalid experiment ID '\(id)'. Experiment ID must be a valid integer.") }
        let m = try store.mlflow.createLoggedModel(
            experimentID: exp, name: f.string("name") ?? "model", sourceRunID: f.string("source_run_id").flatMap { $0.isEmpty ? nil : $0 },
            modelType: f.string("model_type") ?? "", params: try f.keyValues("params"), tags: try f.keyValues("tags"))
        return .object([("model", MLflowJSON.loggedModel(m))])
    }

    @Sendable func search(_ f: Fields) throws -> JSON {
        let max = Int(try f.int64("max_results") ?? 100)
        let offset = try PageToken.decode(f.string("page_token"))
        let models = try store.mlflow.searchLoggedModels(
            experimentIDs: f.strings("experiment_ids").compactMap { Int64($0) }, filter: f.string("filter") ?? "", limit: max + 1,
            offset: offset)
        return MLflowJSON.object([
            ("models", MLflowJSON.list(models.prefix(max).map(MLflowJSON.loggedModel))),
            ("next_page_token", models.count > max ? .string(PageToken.encode(offset + max)) : nil),
        ])
    }

    @Sendable func get(_ f: Fields, _ path: Parameters) throws -> JSON {
        .object([("model", MLflowJSON.loggedModel(try store.mlflow.loggedModel(id: try path.require("id"))))])
    }

    @Sendable func finalize(_ f: Fields, _ path: Parameters) throws -> JSON {
        let m = try store.mlflow.setLoggedModelStatus(id: try path.require("id"), status: Self.status(f.string("status")))
        return .object([("model", MLflowJSON.loggedModel(m))])
    }

    @Sendable func delete(_ f: Fields, _ path: Parameters) throws -> JSON {
        try store.mlflow.deleteLoggedModel(id: try path.require("id"))
        return .object([])
    }

    @Sendable func setTags(_ f: Fields, _ path: Parameters) throws -> JSON {
        try store.mlflow.setLoggedModelTags(id: try path.require("id"), tags: try f.keyValues("tags"))
        return .object([])
    }

    @Sendable func deleteTag(_ f: Fields, _ path: Parameters) throws -> JSON {
        try store.mlflow.setLoggedModelTags(id: try path.require("id"), tags: [], delete: [try path.require("key")])
        return .object([])
    }

    @Sendable func logParams(_ f: Fields, _ path: Parameters) throws -> JSON {
        try store.mlflow.logLoggedModelParams(id: try path.require("id"), params: try f.keyValues("params"))
        return .object([])
    }

    /// `GET logged-models/{id}/artifacts/directories?artifact_directory_path=`: a listing with the model's root URI.
    @Sendable func listArtifacts(_ f: Fields, _ path: Parameters) throws -> JSON {
        let id = try path.require("id")
        let dir = try ArtifactsController.relativePath(f.string("artifact_directory_path") ?? "")
        let (model, entries) = (try store.mlflow.loggedModel(id: id), try store.mlflow.listArtifacts(.model(id), prefix: dir))
        let files = entries.map { e in
            MLflowJSON.object([
                ("path", .string(dir.isEmpty ? e.name : dir + "/" + e.name)), ("is_dir", .bool(e.isDir)), ("file_size", e.size.map { .int($0) }),
            ])
        }
        return MLflowJSON.object([("root_uri", .string(model.artifactURI)), ("files", MLflowJSON.list(files))])
    }

    /// `GET logged-models/{id}/artifacts/files?artifact_file_path=`: the file's bytes.
    @Sendable func downloadArtifact(_ request: Request, context: BasicRequestContext) async throws -> Response {
        do {
            let id = try context.parameters.require("id")
            let f = Fields(body: .object([]), query: queryFields(request), isQuery: true)
            try f.validate([("artifact_file_path", [.string, .required])])
            let path = try ArtifactsController.relativePath(try f.require("artifact_file_path"))
            let (store, artifacts) = (r.store, r.artifacts)
            guard let record = try await Blocking.run({ try store.mlflow.artifact(.model(id), path: path) }) else {
                throw APIError.notFound("No such file or directory: '\(path)'")
            }
            let data = try await Blocking.run { try artifacts.read(sha256: record.sha256) }
            var buffer = ByteBuffer()
            buffer.writeBytes(data)
            return Response(status: .ok, headers: [.contentType: "application/octet-stream"], body: .init(byteBuffer: buffer))
        } catch { throw APIError.from(error) }
    }
}
