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
struct ArtifactsController: Sendable {
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

    func addRoutes(to router: Router<BasicRequestContext>) {
        let base = "/api/2.0/mlflow-artifacts/artifacts"
        router.put("\(base)/**", use: upload)
        router.get("\(base)/**", use: download)
        router.delete("\(base)/**", use: delete)
        r.add(router, .get, base, list)
        router.get("/api/3.0/mlflow/server-info", use: serverInfo)
    }

    /// `PUT artifacts/<path>`: streams the body into the content-addressed store, then records it.
    @Sendable func upload(_ request: Request, context: BasicRequestContext) async throws -> Response {
        do {
            let (owner, path) = try Self.resolve(context.parameters.getCatchAll().joined(separator: "/"))
            if path.isEmpty { throw APIError.invalid("an artifact upload needs a file path") }
            let (store, maxUpload) = (r.store, self.maxUpload)
            // Check the owner exists before taking the bytes.
            try await Blocking.run { try store.mlflow.checkArtifactOwner(owner) }
            let upload = try r.artifacts.beginUpload()
            do {
                var total = 0
                for try await chunk in request.body {
                    total += chunk.readableBytes
                    if total > maxUpload { throw APIError.invalid("the artifact is larger than the server's \(maxUpload)-byte upload limit") }
                    try chunk.withUnsafeReadableBytes { try upload.write($0) }
                }
                let record = try upload.finish(path: path)
                try await Blocking.run { try store.mlflow.putArtifact(owner, record) }
            } catch {
                upload.abort()
                throw error
            }
            return Response(status: .ok)
        } catch {
            throw APIError.from(error)
        }
    }

    /// `GET artifacts/<path>`: the file's bytes.
    @Sendable func download(_ request: Request, context: BasicRequestContext) async throws -> Response {
        do {
            let (owner, path) = try Self.resolve(context.parameters.getCatchAll().joined(separator: "/"))
            let (store, artifacts) = (r.store, r.artifacts)
            guard let record = try await Blocking.run({ try store.mlflow.artifact(owner, path: path) }) else {
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

    /// `DELETE artifacts/<path>`: a file, or a folder's files.
    @Sendable func delete(_ request: Request, context: BasicRequestContext) async throws -> Response {
        do {
            let (owner, path) = try Self.resolve(context.parameters.getCatchAll().joined(separator: "/"))
            let store = r.store
            try await Blocking.run { try store.mlflow.deleteArtifacts(owner, path: path) }
            return emptyObject
        } catch {
            throw APIError.from(error)
        }
    }

    /// `GET artifacts?path=`: a folder's immediate children (the root: the experiment folders).
    @Sendable func list(_ f: Fields) throws -> JSON {
        let raw = f.string("path") ?? ""
        if raw.allSatisfy({ $0 == "/" }) {
            let folders = try r.store.mlflow.artifactExperimentFolders().map { MLflowJSON.object([("path", .string($0)), ("is_dir", .bool(true))]) }
            return MLflowJSON.object([("files", MLflowJSON.list(folders))])
        }
        let (owner, prefix): (ArtifactOwner, String)
        do { (owner, prefix) = try Self.resolve(raw) } catch let e as APIError where e.code == "RESOURCE_DOES_NOT_EXIST" { return .object([]) }
        let entries: [ArtifactEntry]
        do { entries = try r.store.mlflow.listArtifacts(owner, prefix: prefix) } catch let e as TrackerError where e.kind == .notFound {
            return .object([])
        }
        let files = entries.map { e in
            MLflowJSON.object([("path", .string(e.name)), ("is_dir", .bool(e.isDir)), ("file_size", e.size.map { .int($0) })])
        }
        return MLflowJSON.object([("files", MLflowJSON.list(files))])
    }

    /// Multipart uploads are not offered (server-info says so); the client then uses PUT.
    @Sendable func serverInfo(_ request: Request, context: BasicRequestContext) async throws -> Response {
        jsonResponse(
            .object([
                ("store_type", .string("SqlStore")), ("multipart_uploads_enabled", .bool(false)), ("multipart_downloads_enabled", .bool(false)),
            ]))
    }
}
