/// The gap between offline and live metrics, as values (computed by the store, rendered by TrackerReport).
/// How `gap` judges the numbers.
public struct GapOptions: Sendable {
    public var since: Int64
    public var until: Int64
    public var version: Int?
    /// Below this many observations the verdict is "not enough evidence".
    public var minN = 30
    /// "within" means the interval lies inside offline ± tolerance × |offline|.
    public var tolerance = 0.02
    /// Per-metric direction overrides (default: losses and errors are lower-is-better).
    public var directions: [String: MetricDirection] = [:]
    /// Positive label override (default: the model's setting, "1").
    public var positiveLabel: String?

    public init(since: Int64, until: Int64) {
        self.since = since
        self.until = until
    }

    public func direction(_ metric: String) -> MetricDirection { directions[metric] ?? MetricDirection.of(metric) }
}

/// One metric of one version: offline vs live.
public struct GapRow: Sendable, Equatable {
    public let metric: String
    public let offline: Double?
    /// Which offline result was used: "registration" or the eval dataset name.
    public let offlineSource: String?
    public let live: LiveEstimate
    public let gap: Double?
    public let relativeGap: Double?
    public let direction: MetricDirection
    public let verdict: Verdict

    public init(
        metric: String, offline: Double?, offlineSource: String?, live: LiveEstimate, gap: Double?, relativeGap: Double?,
        direction: MetricDirection,
        verdict: Verdict
    ) {
        (self.metric, self.offline, self.offlineSource, self.live, self.gap, self.relativeGap, self.direction, self.verdict) = (
            metric, offline, offlineSource, live, gap, relativeGap, direction, verdict
        )
    }
}

/// Everything `gap` says about one version (nil version = unattributed data).
public struct VersionGap: Sendable, Equatable {
    public let version: Int?
    public let liveSince: Int64?
    public let rows: [GapRow]
    public let predictions: Int
    public let labeled: Int
    public var coverage: Double? { predictions > 0 ? Double(labeled) / Double(predictions) : nil }
    public let incumbent: IncumbentFigures?

    public init(version: Int?, liveSince: Int64?, rows: [GapRow], predictions: Int, labeled: Int, incumbent: IncumbentFigures?) {
        (self.version, self.liveSince, self.rows, self.predictions, self.labeled, self.incumbent) = (
            version, liveSince, rows, predictions, labeled, incumbent
        )
    }
}

/// The gap of one model in one environment over a window.
public struct GapReport: Sendable, Equatable {
    public let model: String
    public let env: String
    public let since: Int64
    public let until: Int64
    public let versions: [VersionGap]
    public let unattributed: VersionGap?

    public init(model: String, env: String, since: Int64, until: Int64, versions: [VersionGap], unattributed: VersionGap?) {
        (self.model, self.env, self.since, self.until, self.versions, self.unattributed) = (
            model, env, since, until, versions, unattributed
        )
    }
}
