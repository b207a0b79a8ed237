import TrackerCore
import TrackerStore

/// MLflow's wire shapes (protobuf JSON: snake_case, IDs as strings, empty lists omitted).
enum MLflowJSON {
    static func object(_ members: [(String, JSON?)]) -> JSON {
        .object(members.compactMap { k, v in v.map { (k, $0) } })
    }

    static func list(_ items: [JSON]) -> JSON? { items.isEmpty ? nil : .array(items) }

    static func keyValues(_ kvs: [KeyValue]) -> JSON? {
        list(kvs.map { .object([("key", .string($0.key)), ("value", .string($0.value))]) })
    }

    static func experiment(_ e: Experiment) -> JSON {
        object([
            ("experiment_id", .string(String(e.id))), ("name", .string(e.name)), ("artifact_location", .string(e.artifactLocation)),
            ("lifecycle_stage", .string(e.lifecycleStage)), ("last_update_time", .int(e.lastUpdateTime)),
            ("creation_time", .int(e.creationTime)),
            ("tags", keyValues(e.tags)),
        ])
    }

    static func runInfo(_ i: RunInfo) -> JSON {
        object([
            ("run_uuid", .string(i.runID)), ("run_id", .string(i.runID)), ("experiment_id", .string(String(i.experimentID))),
            ("run_name", .string(i.name)), ("user_id", .string(i.userID)), ("status", .string(i.status.rawValue)),
            ("start_time", .int(i.startTime)),
            ("end_time", i.endTime.map { .int($0) }), ("artifact_uri", .string(i.artifactURI)),
            ("lifecycle_stage", .string(i.lifecycleStage)),
        ])
    }

    static func metric(_ m: MetricPoint) -> JSON {
        .object([("key", .string(m.key)), ("value", .double(m.value)), ("timestamp", .int(m.time)), ("step", .int(m.step))])
    }

    /// A run as `runs/get` answers it; `inSearch` adds the empty `outputs` object the reference's
    /// search results carry for a run without outputs (its `runs/get` leaves it out).
    static func run(_ r: Run, outputs: [(modelID: String, step: Int64)], inSearch: Bool = false) -> JSON {
        let data = object([
            ("metrics", list(r.metrics.map(metric))), ("params", keyValues(r.params)), ("tags", keyValues(r.tags)),
        ])
        let out = list(outputs.map { .object([("model_id", .string($0.modelID)), ("step", .int($0.step))]) })
        return object([
            ("info", runInfo(r.info)), ("data", data), ("inputs", .object([])),
            ("outputs", out.map { .object([("model_outputs", $0)]) } ?? (inSearch ? .object([]) : nil)),
        ])
    }

    static func loggedModel(_ m: LoggedModel) -> JSON {
        let info = object([
            ("model_id", .string(m.id)), ("experiment_id", .string(String(m.experimentID))), ("name", .string(m.name)),
            ("creation_timestamp_ms", .int(m.creationTime)), ("last_updated_timestamp_ms", .int(m.lastUpdateTime)),
            ("artifact_uri", .string(m.artifactURI)), ("status", .string(m.status)),
            ("model_type", m.modelType.isEmpty ? nil : .string(m.modelType)),
            ("source_run_id", m.sourceRunID.map { .string($0) }), ("tags", keyValues(m.tags)),
        ])
        return .object([("info", info), ("data", object([("params", keyValues(m.params))]))])
    }

    static func modelVersion(_ v: ModelVersion, modelID: String?) -> JSON {
        let external = v.tags.first { $0.key == RegistryRepository.externalRunTag }?.value
        return object([
            ("name", .string(v.model)), ("version", .string(String(v.version))), ("creation_timestamp", .int(v.creationTime)),
            ("last_updated_timestamp", .int(v.lastUpdateTime)), ("user_id", v.userID.isEmpty ? nil : .string(v.userID)),
            ("current_stage", .string(v.stage)), ("description", .string(v.description)), ("source", .string(v.source)),
            ("run_id", .string(v.runID ?? external ?? "")), ("status", .string("READY")),
            ("tags", keyValues(v.tags.filter { $0.key != RegistryRepository.externalRunTag })), ("run_link", .string("")),
            ("aliases", list(v.aliases.map { .string($0) })), ("model_id", modelID.map { .string($0) }),
        ])
    }

    static func registeredModel(_ m: RegisteredModel, latest: [JSON], tags: [KeyValue], aliases: [(String, Int)]) -> JSON {
        object([
            ("name", .string(m.name)), ("creation_timestamp", .int(m.creationTime)), ("last_updated_timestamp", .int(m.lastUpdateTime)),
            ("description", m.description.isEmpty ? nil : .string(m.description)), ("latest_versions", list(latest)),
            ("tags", keyValues(tags)),
            ("aliases", list(aliases.map { .object([("alias", .string($0.0)), ("version", .string(String($0.1)))]) })),
        ])
    }
}
