import Foundation
import TrackerCore
import TrackerReport
import TrackerStore

/// Prints a JSON value, pretty.
func printJSON(_ value: JSON) {
    print(value.serialized(pretty: true))
}

extension Experiment {
    var json: JSON {
        .object([
            ("experiment_id", .string(String(id))), ("name", .string(name)), ("description", .string(description)),
            ("artifact_location", .string(artifactLocation)), ("lifecycle_stage", .string(lifecycleStage)),
            ("creation_time", .int(creationTime)), ("last_update_time", .int(lastUpdateTime)),
            ("tags", .object(tags.map { ($0.key, .string($0.value)) })),
        ])
    }
}

extension MetricPoint {
    var json: JSON { .object([("key", .string(key)), ("value", .double(value)), ("step", .int(step)), ("timestamp", .int(time))]) }
}

extension RunInfo {
    var json: JSON {
        var m: [(String, JSON)] = [
            ("run_id", .string(runID)), ("run_name", .string(name)), ("experiment_id", .string(String(experimentID))),
            ("user_id", .string(userID)), ("status", .string(status.rawValue)), ("start_time", .int(startTime)),
        ]
        if let endTime { m.append(("end_time", .int(endTime))) }
        m += [("lifecycle_stage", .string(lifecycleStage)), ("artifact_uri", .string(artifactURI))]
        return .object(m)
    }
}

extension Run {
    var json: JSON {
        .object([
            ("info", info.json),
            ("params", .object(params.map { ($0.key, .string($0.value)) })),
            ("tags", .object(tags.map { ($0.key, .string($0.value)) })),
            ("metrics", .array(metrics.map(\.json))),
            (
                "artifacts",
                .array(artifacts.map { .object([("path", .string($0.path)), ("size", .int($0.size)), ("sha256", .string($0.sha256))]) })
            ),
        ])
    }
}

/// Duration between two times, `1h02m`, `3m05s`, `4.2s`.
func formatDuration(_ ms: Int64) -> String {
    if ms < 60_000 { return String(format: "%.1fs", Double(ms) / 1000) }
    let s = ms / 1000
    if s < 3600 { return String(format: "%dm%02ds", s / 60, s % 60) }
    return String(format: "%dh%02dm", s / 3600, (s / 60) % 60)
}
