import Foundation
import TrackerCore
import TrackerStore

/// The lookups and wire shapes both registry controllers share: a model or version by name, in
/// the reference's not-found words, and a model or version as the API answers it.
struct RegistryLookups: Sendable {
    let store: Store

    func notFoundModel(_ name: String) -> APIError { APIError.notFound("Registered Model with name=\(name) not found") }

    func model(_ name: String) throws -> RegisteredModel {
        do { return try store.registry.model(named: name) } catch let e as TrackerError where e.kind == .notFound { throw notFoundModel(name) }
    }

    /// The `version` field of a request, refused unless it is an integer.
    static func versionNumber(_ f: Fields) throws -> Int {
        let v = try f.require("version")
        guard let n = Int(v) else { throw APIError.invalid("Parameter 'version' must be an integer, got '\(v)'.") }
        return n
    }

    func versionJSON(_ name: String, _ n: Int) throws -> JSON {
        let v: ModelVersion
        do { v = try store.registry.version(model: name, ref: String(n)) } catch let e as TrackerError where e.kind == .notFound {
            throw APIError.notFound("Model Version (name=\(name), version=\(n)) not found")
        }
        return MLflowJSON.modelVersion(v, modelID: try store.registry.modelIDOfVersion(model: name, version: n))
    }

    /// The newest version in each wanted stage (every stage when `stages` is empty), by version.
    func latest(_ name: String, stages: [String]) throws -> [JSON] {
        var byStage: [String: ModelVersion] = [:]
        for v in try store.registry.versions(model: name) { byStage[v.stage] = v }
        let wanted = stages.isEmpty ? Set(byStage.keys) : Set(stages.map { RegistryRules.stage($0) ?? $0 })
        return try byStage.filter { wanted.contains($0.key) }.values.sorted { $0.version < $1.version }.map {
            MLflowJSON.modelVersion($0, modelID: try store.registry.modelIDOfVersion(model: name, version: $0.version))
        }
    }

    func modelJSON(_ name: String) throws -> JSON {
        let m = try model(name)
        return MLflowJSON.registeredModel(
            m, latest: try latest(name, stages: []), tags: try store.registry.modelTags(name), aliases: try store.registry.aliases(model: name))
    }
}
