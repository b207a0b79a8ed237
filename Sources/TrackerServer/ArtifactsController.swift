import Foundation
import Hummingbird
import NIOCore
import TrackerCore
import TrackerStore
import TrackerUI

/// The MLflow artifact proxy: `PUT/GET/DELETE /api/2.0/mlflow-artifacts/artifacts/<path>` and
/// the listing `GET /api/2.0/mlflow-artifacts/artifacts?path=`. Files live in the
/// content-addressed store; the database maps paths to digests, so no request path ever
/// becomes a file-system path.
struct ArtifactsController {
    let r: Routes
    /// Largest upload accepted.
    let maxUpload: Int

    /// Splits `<exp>/<run>/artifacts/<rel>` or `<exp>/models/<id>/artifacts/<rel>` (percent-encoded).
    static func resolve(_ raw: String) throws -> (ArtifactOwner, String) {
        do {
            switch try ArtifactPath.parse(raw.removingPercentEncoding ?? raw) {
            case .run(let id, let path): return (.run(id), path)
            case .model(let id, let path): return (.model(id), path)
            }
        } catch let e as TrackerError where e.kind == .invalidInput {
            throw APIError.invalid("Invalid path")
        } catch {
            throw APIError.from(error)
        }
    }

    /// A path below an artifact root: relative, no `..` or `.` segments (the reference's "Invalid path").
    static func relativePath(_ raw: String) throws -> String {
        let parts = raw.split(separator: "/", omittingEmptySubsequences: false)
        if raw.hasPrefix("/") || parts.contains(where: { $0 == ".." || $0 == "." }) { throw APIError.invalid("Invalid path") }
        return raw.hasSuffix("/") ? String(raw.dropLast()) : raw
    }

    func register(_ router: Router<BasicRequestContext>) {
        let base = "/api/2.0/mlflow-artifacts/artifacts"
        let store = r.store
        let artifacts = r.artifacts
        let maxUpload = self.maxUpload
        router.put("\(base)/**") { request, context -> Response in
            do {
                let (owner, path) = try Self.resolve(context.parameters.getCatchAll().joined(separator: "/"))
                if path.isEmpty { throw APIError.invalid("an artifact upload needs a file path") }
                // Check the owner exists before taking the bytes.
                try await Blocking.run { try store.checkArtifactOwner(owner) }
                let upload = try artifacts.beginUpload()
                do {
                    var total = 0
                    for try await chunk in request.body {
                        total += chunk.readableBytes
                        if total > maxUpload {
                            throw APIError.invalid("the artifact is larger than the server's \(maxUpload)-byte upload limit")
                        }
                        try chunk.withUnsafeReadableBytes { try upload.write($0) }
                    }
                    let record = try upload.finish(path: path)
                    try await Blocking.run { try store.putArtifact(owner, record) }
                } catch {
                    upload.abort()
                    throw error
                }
                return Response(status: .ok)
            } catch {
                throw APIError.from(error)
            }
        }
        router.get("\(base)/**") { _, context -> Response in
            do {
                let (owner, path) = try Self.resolve(context.parameters.getCatchAll().joined(separator: "/"))
                guard let record = try await Blocking.run({ try store.artifact(owner, path: path) }) else {
                    throw APIError.notFound("No such artifact: '\(context.parameters.getCatchAll().joined(separator: "/"))'")
                }
                let data = try await Blocking.run { try artifacts.read(sha256: record.sha256) }
                var buffer = ByteBuffer()
                buffer.writeBytes(data)
                // Same origin as the web UI: never let an uploaded HTML or SVG render as a page.
                return Response(
                    status: .ok, headers: ArtifactSafety.downloadHeaders(path: path, data: data, inline: false), body: .init(byteBuffer: buffer))
            } catch {
                throw APIError.from(error)
            }
        }
        router.delete("\(base)/**") { _, context -> Response in
            do {
                let (owner, path) = try Self.resolve(context.parameters.getCatchAll().joined(separator: "/"))
                try await Blocking.run { try store.deleteArtifacts(owner, path: path) }
                return emptyObject
            } catch {
                throw APIError.from(error)
            }
        }
        r.add(router, .get, base) { f in
            let raw = f.string("path") ?? ""
            if raw.allSatisfy({ $0 == "/" }) {
                let folders = try store.artifactExperimentFolders().map { MLflowJSON.object([("path", .string($0)), ("is_dir", .bool(true))]) }
                return MLflowJSON.object([("files", MLflowJSON.list(folders))])
            }
            let (owner, prefix): (ArtifactOwner, String)
            do {
                (owner, prefix) = try Self.resolve(raw)
            } catch let e as APIError where e.code == "RESOURCE_DOES_NOT_EXIST" {
                return .object([])
            }
            let entries: [ArtifactEntry]
            do {
                entries = try store.listArtifacts(owner, prefix: prefix)
            } catch let e as TrackerError where e.kind == .notFound {
                return .object([])
            }
            if entries.isEmpty { return .object([]) }
            return .object([
                (
                    "files",
                    .array(
                        entries.map { e in
                            MLflowJSON.object([
                                ("path", .string(e.name)), ("is_dir", .bool(e.isDir)), ("file_size", e.size.map { .int($0) }),
                            ])
                        })
                )
            ])
        }
        // Multipart uploads are not offered (server-info says so); the client then uses PUT.
        router.get("/api/3.0/mlflow/server-info") { _, _ in
            jsonResponse(
                .object([
                    ("store_type", .string("SqlStore")), ("multipart_uploads_enabled", .bool(false)),
                    ("multipart_downloads_enabled", .bool(false)),
                ]))
        }
    }
}

/// MLflow 3 logged models and their tags and params (mlflow-api.md §4).
struct LoggedModelsController {
    let r: Routes

    static func status(_ s: String?) -> String {
        switch s?.uppercased() {
        case "2", "LOGGED_MODEL_READY": return "LOGGED_MODEL_READY"
        case "3", "LOGGED_MODEL_UPLOAD_FAILED": return "LOGGED_MODEL_UPLOAD_FAILED"
        case "1", "LOGGED_MODEL_PENDING": return "LOGGED_MODEL_PENDING"
        default: return "LOGGED_MODEL_STATUS_UNSPECIFIED"
        }
    }

    func register(_ router: Router<BasicRequestContext>) {
        let p = "/api/2.0/mlflow/logged-models"
        let store = r.store
        let createSchema: [(String, [Check])] = [
            ("experiment_id", [.string, .required]), ("name", [.string]), ("model_type", [.string]), ("source_run_id", [.string]),
            ("params", [.array]), ("tags", [.array]),
        ]
        r.add(router, .post, p, schema: createSchema) { f in
            let id = try f.require("experiment_id")
            guard let exp = Int64(id) else {
                throw APIError.invalid("Invalid experiment ID '\(id)'. Experiment ID must be a valid integer.")
            }
            let m = try store.createLoggedModel(
                experimentID: exp, name: f.string("name") ?? "model",
                sourceRunID: f.string("source_run_id").flatMap { $0.isEmpty ? nil : $0 },
                modelType: f.string("model_type") ?? "", params: try f.keyValues("params"), tags: try f.keyValues("tags"))
            return .object([("model", MLflowJSON.loggedModel(m))])
        }
        let search: @Sendable (Fields) throws -> JSON = { f in
            let max = Int(try f.int64("max_results") ?? 100)
            let offset = try PageToken.decode(f.string("page_token"))
            let models = try store.searchLoggedModels(
                experimentIDs: f.strings("experiment_ids").compactMap { Int64($0) }, filter: f.string("filter") ?? "", limit: max + 1,
                offset: offset)
            return MLflowJSON.object([
                ("models", MLflowJSON.list(models.prefix(max).map(MLflowJSON.loggedModel))),
                ("next_page_token", models.count > max ? .string(PageToken.encode(offset + max)) : nil),
            ])
        }
        let searchSchema: [(String, [Check])] = [
            ("experiment_ids", [.array, .stringItems, .required]), ("filter", [.string]), ("datasets", [.array]),
            ("max_results", [.int]), ("order_by", [.array]), ("page_token", [.string]),
        ]
        r.add(router, .post, "\(p)/search", schema: searchSchema, search)
        router.get("\(p)/:id") { request, context -> Response in
            do {
                let id = try context.parameters.require("id")
                return jsonResponse(.object([("model", MLflowJSON.loggedModel(try await Blocking.run { try store.loggedModel(id: id) }))]))
            } catch { throw APIError.from(error) }
        }
        router.patch("\(p)/:id") { request, context -> Response in
            do {
                let id = try context.parameters.require("id")
                let f = try await fields(request, limit: r.bodyLimit)
                try f.validate([("status", [.required])])
                let m = try await Blocking.run { try store.setLoggedModelStatus(id: id, status: Self.status(f.string("status"))) }
                return jsonResponse(.object([("model", MLflowJSON.loggedModel(m))]))
            } catch { throw APIError.from(error) }
        }
        router.delete("\(p)/:id") { _, context -> Response in
            do {
                let id = try context.parameters.require("id")
                try await Blocking.run { try store.deleteLoggedModel(id: id) }
                return emptyObject
            } catch { throw APIError.from(error) }
        }
        router.patch("\(p)/:id/tags") { request, context -> Response in
            do {
                let id = try context.parameters.require("id")
                let f = try await fields(request, limit: r.bodyLimit)
                try f.validate([("tags", [.array])])
                let tags = try f.keyValues("tags")
                try await Blocking.run { try store.setLoggedModelTags(id: id, tags: tags) }
                return emptyObject
            } catch { throw APIError.from(error) }
        }
        router.delete("\(p)/:id/tags/:key") { _, context -> Response in
            do {
                let id = try context.parameters.require("id")
                let key = try context.parameters.require("key")
                try await Blocking.run { try store.setLoggedModelTags(id: id, tags: [], delete: [key]) }
                return emptyObject
            } catch { throw APIError.from(error) }
        }
        registerArtifacts(router, p)
        router.post("\(p)/:id/params") { request, context -> Response in
            do {
                let id = try context.parameters.require("id")
                let f = try await fields(request, limit: r.bodyLimit)
                try f.validate([("params", [.array])])
                let params = try f.keyValues("params")
                try await Blocking.run { try store.logLoggedModelParams(id: id, params: params) }
                return emptyObject
            } catch { throw APIError.from(error) }
        }
    }
}

extension LoggedModelsController {
    /// `GET logged-models/{id}/artifacts/directories?artifact_directory_path=` (a listing with the
    /// model's root URI) and `…/artifacts/files?artifact_file_path=` (the file's bytes).
    func registerArtifacts(_ router: Router<BasicRequestContext>, _ p: String) {
        let store = r.store
        let artifacts = r.artifacts
        router.get("\(p)/:id/artifacts/directories") { request, context -> Response in
            do {
                let id = try context.parameters.require("id")
                let f = Fields(body: .object([]), query: queryFields(request), isQuery: true)
                try f.validate([("artifact_directory_path", [.string])])
                let dir = try ArtifactsController.relativePath(f.string("artifact_directory_path") ?? "")
                let (model, entries) = try await Blocking.run {
                    (try store.loggedModel(id: id), try store.listArtifacts(.model(id), prefix: dir))
                }
                let files = entries.map { e in
                    MLflowJSON.object([
                        ("path", .string(dir.isEmpty ? e.name : dir + "/" + e.name)), ("is_dir", .bool(e.isDir)),
                        ("file_size", e.size.map { .int($0) }),
                    ])
                }
                return jsonResponse(MLflowJSON.object([("root_uri", .string(model.artifactURI)), ("files", MLflowJSON.list(files))]))
            } catch { throw APIError.from(error) }
        }
        router.get("\(p)/:id/artifacts/files") { request, context -> Response in
            do {
                let id = try context.parameters.require("id")
                let f = Fields(body: .object([]), query: queryFields(request), isQuery: true)
                try f.validate([("artifact_file_path", [.string, .required])])
                let path = try ArtifactsController.relativePath(try f.require("artifact_file_path"))
                guard let record = try await Blocking.run({ try store.artifact(.model(id), path: path) }) else {
                    throw APIError.notFound("No such file or directory: '\(path)'")
                }
                let data = try await Blocking.run { try artifacts.read(sha256: record.sha256) }
                var buffer = ByteBuffer()
                buffer.writeBytes(data)
                return Response(status: .ok, headers: [.contentType: "application/octet-stream"], body: .init(byteBuffer: buffer))
            } catch { throw APIError.from(error) }
        }
    }
}
