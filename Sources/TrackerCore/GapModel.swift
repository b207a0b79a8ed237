import Foundation

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
    /// Per-metric direction overrides given for this query (`gap --lower-is-better`).
    public var directions: [String: MetricDirection] = [:]
    /// Per-metric directions configured for the model (`live config --direction`).
    public var configuredDirections: [String: MetricDirection] = [:]
    /// Positive label override (default: the model's setting, "1").
    public var positiveLabel: String?
    /// Raw rows, rollups, or the cheapest exact choice (`gap --source`).
    public var source = LiveDataSource.auto

    public init(since: Int64, until: Int64) {
        self.since = since
        self.until = until
    }

    /// The metric's direction and where it came from: this query's option, the model's
    /// configuration, else the documented name rules.
    public func direction(_ metric: String) -> (MetricDirection, DirectionSource) {
        if let d = directions[metric] { return (d, .option) }
        if let d = configuredDirections[metric] { return (d, .configured) }
        return (MetricDirection.fromName(metric), .name)
    }
}

/// Where prediction metrics are read from.
public enum LiveDataSource: String, Sendable, CaseIterable {
    /// Raw rows when the window holds at most `exactLimit` predictions and none were pruned
    /// (exact ROC AUC at a small cost); rollups otherwise.
    case auto
    /// Hourly rollups (whole hours) plus raw rows of the partial hours at the window's edges.
    case rollup
    /// Every raw row of the window.
    case raw

    /// Windows up to this many predictions are read row by row.
    public static let exactLimit: Int64 = 100_000
}

/// Where a metric's direction came from.
public enum DirectionSource: String, Sendable, CaseIterable {
    /// The documented name rules (`MetricDirection.fromName`).
    case name
    /// `tracker live config NAME --direction METRIC=higher|lower`.
    case configured
    /// An option of this command (`gap --lower-is-better`).
    case option
}

extension MetricDirection {
    /// The default when nothing is configured: a name whose words (split at `_ . - /` and
    /// spaces) include a loss, an error, a latency or duration, a cost or a false/miss rate is
    /// lower-is-better; scikit-learn's `neg_` scorers (negated losses) and everything else are
    /// higher-is-better.
    public static func fromName(_ metric: String) -> MetricDirection {
        let words = metric.lowercased().split(whereSeparator: { "_.-/ ".contains($0) }).map(String.init)
        if words.first == "neg" { return .higherIsBetter }
        let lowerWords: Set<String> = [
            "loss", "logloss", "error", "err", "errors", "mae", "mse", "rmse", "mape", "smape", "msle", "rmsle", "brier", "entropy",
            "latency", "duration", "time", "ms", "seconds", "secs", "sec", "fpr", "fnr", "fdr", "fallout", "cost", "regret",
            "perplexity", "deviance", "wer", "cer", "distance", "ece",
        ]
        if words.contains(where: lowerWords.contains) { return .lowerIsBetter }
        let joined = words.joined(separator: "_")
        for phrase in ["false_positive_rate", "false_negative_rate", "false_discovery_rate", "miss_rate", "false_alarm"]
        where joined.contains(phrase) {
            return .lowerIsBetter
        }
        return .higherIsBetter
    }
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
    public let directionSource: DirectionSource
    public let verdict: Verdict
    /// The tolerance the verdict used (relative to |offline|).
    public let tolerance: Double

    public init(
        metric: String, offline: Double?, offlineSource: String?, live: LiveEstimate, gap: Double?, relativeGap: Double?,
        direction: MetricDirection, directionSource: DirectionSource = .name,
        verdict: Verdict, tolerance: Double = 0.02
    ) {
        (self.metric, self.offline, self.offlineSource, self.live, self.gap, self.relativeGap, self.direction, self.verdict) = (
            metric, offline, offlineSource, live, gap, relativeGap, direction, verdict
        )
        (self.directionSource, self.tolerance) = (directionSource, tolerance)
    }

    /// Significant digits that show why the verdict is what it is (see `VerdictDigits`).
    public var digits: Int {
        VerdictDigits.needed(live: live, offline: offline, tolerance: tolerance)
    }
}

/// How many significant digits a row needs: 4 by default, more when 4 would print an interval
/// end and the offline value (or offline ± tolerance) as the same number although they differ —
/// then `0.918 [0.918, 0.918] within` and `… better` would look identical.
public enum VerdictDigits {
    /// The smallest count in 4...12 that keeps every distinct pair of the numbers that decide
    /// the verdict distinct in print.
    public static func needed(live: LiveEstimate, offline: Double?, tolerance: Double) -> Int {
        var values = [live.value]
        if live.interval.method != "none" { values += [live.interval.low, live.interval.high] }
        if let offline {
            values.append(offline)
            let tol = abs(offline) * tolerance
            values += [offline - tol, offline + tol]
        }
        let finite = values.filter(\.isFinite)
        for d in 4...12 {
            var clash = false
            for i in finite.indices {
                for j in finite.indices where j > i && finite[i] != finite[j] && format(finite[i], digits: d) == format(finite[j], digits: d) {
                    clash = true
                }
            }
            if !clash { return d }
        }
        return 12
    }

    /// `v` with `digits` significant digits, plain notation for everyday magnitudes, trailing
    /// zeros dropped (with 4 digits, the same text as `ReportFormat.value`).
    public static func format(_ v: Double, digits: Int) -> String {
        if v.isNaN { return "NaN" }
        if v.isInfinite { return v > 0 ? "Infinity" : "-Infinity" }
        if v == 0 { return "0" }
        let a = abs(v)
        if a >= 1e6 || a < 1e-4 { return String(format: "%.\(digits - 1)e", v) }
        let decimals = max(0, digits - 1 - Int(floor(log10(a))))
        var s = String(format: "%.\(decimals)f", v)
        if s.contains(".") {
            while s.hasSuffix("0") { s.removeLast() }
            if s.hasSuffix(".") { s.removeLast() }
        }
        return s == "-0" ? "0" : s
    }

    /// An interval as `[low, high]` with `digits` significant digits, or "–" without one.
    public static func interval(_ i: Interval, digits: Int) -> String {
        i.method == "none" ? "–" : "[\(format(i.low, digits: digits)), \(format(i.high, digits: digits))]"
    }
}

/// A stretch of time a version was live (end nil: still live).
public struct LiveSpan: Sendable, Equatable {
    public let start: Int64
    public let end: Int64?

    public init(start: Int64, end: Int64?) { (self.start, self.end) = (start, end) }
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
    /// The deployments of this version that overlap the window, with their ends.
    public var liveSpans: [LiveSpan] = []
    /// The task the prediction metrics used and whether it was inferred (nil: no predictions).
    public var task: (task: LiveTask, inferred: Bool)?
    /// Things the reader should know (a metric left out, scores converted).
    public var notes: [String] = []
    /// Where the prediction metrics came from: "raw" rows or hourly "rollup"s.
    public var source = "raw"

    public init(version: Int?, liveSince: Int64?, rows: [GapRow], predictions: Int, labeled: Int, incumbent: IncumbentFigures?) {
        (self.version, self.liveSince, self.rows, self.predictions, self.labeled, self.incumbent) = (
            version, liveSince, rows, predictions, labeled, incumbent
        )
    }

    public static func == (a: VersionGap, b: VersionGap) -> Bool {
        a.version == b.version && a.liveSince == b.liveSince && a.rows == b.rows && a.predictions == b.predictions
            && a.labeled == b.labeled && a.incumbent == b.incumbent && a.liveSpans == b.liveSpans && a.task?.task == b.task?.task
            && a.task?.inferred == b.task?.inferred && a.notes == b.notes
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
