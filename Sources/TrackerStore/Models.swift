import SQLiteKit
import TrackerCore

/// An experiment: a named group of runs. `Default` (id 0) always exists.
public struct Experiment: Sendable, Equatable {
    public let id: Int64
    public let name: String
    public let description: String
    public let artifactLocation: String
    public let lifecycleStage: String
    public let creationTime: Int64
    public let lastUpdateTime: Int64
    public var tags: [KeyValue]
}

/// A key and its value (params and tags), in a stable order.
public struct KeyValue: Sendable, Equatable, Hashable {
    public let key: String
    public let value: String
    public init(_ key: String, _ value: String) {
        self.key = key
        self.value = value
    }
}

/// One metric observation.
public struct MetricPoint: Sendable, Equatable {
    public let key: String
    public let value: Double
    public let step: Int64
    public let time: Int64

    public init(key: String, value: Double, step: Int64, time: Int64) {
        self.key = key
        self.value = value
        self.step = step
        self.time = time
    }

    public static func == (a: MetricPoint, b: MetricPoint) -> Bool {
        a.key == b.key && a.step == b.step && a.time == b.time && (a.value == b.value || (a.value.isNaN && b.value.isNaN))
    }
}

/// A run's identity and state.
public struct RunInfo: Sendable, Equatable {
    public let runID: String
    public let experimentID: Int64
    public let name: String
    public let userID: String
    public let status: RunStatus
    public let startTime: Int64
    public let endTime: Int64?
    public let lifecycleStage: String
    public let artifactURI: String
}

/// A file stored for a run: its path inside the run, size and SHA-256.
public struct ArtifactRecord: Sendable, Equatable {
    public let path: String
    public let size: Int64
    public let sha256: String
}

/// A run with its data: params, tags, latest metrics, artifacts.
public struct Run: Sendable, Equatable {
    public let info: RunInfo
    public let params: [KeyValue]
    public let tags: [KeyValue]
    public let metrics: [MetricPoint]
    public let artifacts: [ArtifactRecord]
}

/// Which runs a search includes, by lifecycle stage.
public enum ViewType: String, Sendable {
    case activeOnly = "ACTIVE_ONLY"
    case deletedOnly = "DELETED_ONLY"
    case all = "ALL"
}

/// Metric values in SQLite: NULL stands for NaN (SQLite turns a bound NaN into NULL anyway).
enum MetricValue {
    static func decode(_ row: Row, _ index: Int) -> Double {
        row.isNull(index) ? .nan : row.double(index)
    }
}
