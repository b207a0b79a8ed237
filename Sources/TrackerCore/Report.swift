/// The weekly production-vs-offline report as a value: built from the store by
/// `Store.weeklyReport`, turned into Markdown, HTML or JSON by the renderers (TrackerReport).
/// No clock and no database here, so the same data gives the same bytes.
public struct WeeklyReport: Sendable, Equatable {
    public static let schema = "tracker.report/1"

    public var period: ReportPeriod
    /// Only when `--now` was given.
    public var generatedAt: Int64?
    public var environment: String
    public var models: [ModelReport]
    public var changes: [ReportChange]
    public var alerts: [ReportAlert]
    public var delivery: DeliveryFigures

    public init(
        period: ReportPeriod, generatedAt: Int64?, environment: String, models: [ModelReport], changes: [ReportChange],
        alerts: [ReportAlert],
        delivery: DeliveryFigures
    ) {
        self.period = period
        self.generatedAt = generatedAt
        self.environment = environment
        self.models = models
        self.changes = changes
        self.alerts = alerts
        self.delivery = delivery
    }

    /// Verdict counts over every metric of every model (the headline).
    public var verdictCounts: [Verdict: Int] {
        var c: [Verdict: Int] = [:]
        for m in models { for r in m.metrics { c[r.verdict, default: 0] += 1 } }
        return c
    }
}

/// The week (or range) a report covers.
public struct ReportPeriod: Sendable, Equatable {
    /// `2026-W47`, or `2026-11-16 – 2026-11-23` for a custom range.
    public var label: String
    public var since: Int64
    public var until: Int64
    /// IANA zone the week boundaries and days were taken in.
    public var timeZone: String
    /// Start of each local day in the period (for daily charts).
    public var dayStarts: [Int64]
    /// Local date of each day, `2026-11-16`.
    public var dayLabels: [String]

    public init(label: String, since: Int64, until: Int64, timeZone: String, dayStarts: [Int64], dayLabels: [String]) {
        (self.label, self.since, self.until, self.timeZone, self.dayStarts, self.dayLabels) = (
            label, since, until, timeZone, dayStarts, dayLabels
        )
    }
}

/// One model in the environment.
public struct ModelReport: Sendable, Equatable {
    public var model: String
    public var env: String
    /// Live at the end of the period (nil: not live any more).
    public var liveVersion: Int?
    public var liveSince: Int64?
    public var metrics: [ReportMetric]
    /// Share of predictions with an outcome this period (prediction-based metrics).
    public var coverage: Double?
    public var predictions: Int
    public var incumbent: IncumbentFigures?
    /// Deployments of this model in this environment during the period.
    public var deployments: [ReportChange]

    public init(
        model: String, env: String, liveVersion: Int?, liveSince: Int64?, metrics: [ReportMetric], coverage: Double?, predictions: Int,
        incumbent: IncumbentFigures?, deployments: [ReportChange]
    ) {
        (
            self.model, self.env, self.liveVersion, self.liveSince, self.metrics, self.coverage, self.predictions, self.incumbent,
            self.deployments
        ) = (
            model, env, liveVersion, liveSince, metrics, coverage, predictions, incumbent, deployments
        )
    }
}

/// One metric of a model: offline, live this period, last period, and the daily series.
public struct ReportMetric: Sendable, Equatable {
    public var metric: String
    public var offline: Double?
    public var live: LiveEstimate
    public var gap: Double?
    public var relativeGap: Double?
    public var direction: MetricDirection
    public var verdict: Verdict
    /// The same metric over the previous period.
    public var previous: LiveEstimate?
    /// One point per day with data (nil where a day had none).
    public var daily: [LiveEstimate?]
    /// Where the direction came from (name rules or the model's configuration).
    public var directionSource: DirectionSource
    /// Significant digits that show why the verdict is what it is (`VerdictDigits`).
    public var digits: Int

    public init(
        metric: String, offline: Double?, live: LiveEstimate, gap: Double?, relativeGap: Double?, direction: MetricDirection,
        verdict: Verdict,
        previous: LiveEstimate?, daily: [LiveEstimate?], directionSource: DirectionSource = .name, digits: Int = 4
    ) {
        (self.metric, self.offline, self.live, self.gap, self.relativeGap, self.direction, self.verdict, self.previous, self.daily) = (
            metric, offline, live, gap, relativeGap, direction, verdict, previous, daily
        )
        (self.directionSource, self.digits) = (directionSource, digits)
    }

    /// Live this period minus live last period.
    public var change: Double? { previous.map { live.value - $0.value } }

    /// A value of this row with the row's significant digits ("–" when absent).
    public func text(_ v: Double?) -> String { v.map { VerdictDigits.format($0, digits: digits) } ?? "–" }

    /// The live interval with the row's significant digits.
    public var intervalText: String { VerdictDigits.interval(live.interval, digits: digits) }

    /// "accuracy: higher is better (from the name), 95% CI by wilson".
    public var methodNote: String {
        let from = directionSource == .name ? "from the name" : directionSource.rawValue
        let method = live.interval.method == "none" ? "no interval" : "95% CI by \(live.interval.method)"
        return "\(metric): \(direction.rawValue) is better (\(from)), \(method)"
    }
}

/// A promotion, forced promotion or rollback.
public struct ReportChange: Sendable, Equatable {
    public var time: Int64
    public var model: String
    public var env: String
    public var kind: String
    public var fromVersion: Int?
    public var toVersion: Int
    public var actor: String
    public var reason: String

    public init(time: Int64, model: String, env: String, kind: String, fromVersion: Int?, toVersion: Int, actor: String, reason: String) {
        (self.time, self.model, self.env, self.kind, self.fromVersion, self.toVersion, self.actor, self.reason) = (
            time, model, env, kind, fromVersion, toVersion, actor, reason
        )
    }
}

/// Something that needs a person's attention.
public struct ReportAlert: Sendable, Equatable {
    public enum Kind: String, Sendable, CaseIterable {
        case gapWorse = "gap_worse"
        case weekOverWeek = "week_over_week_degradation"
        case noLiveData = "no_live_data"
        case lowCoverage = "low_label_coverage"
    }
    public var kind: Kind
    public var model: String
    public var metric: String?
    public var message: String

    public init(kind: Kind, model: String, metric: String?, message: String) {
        (self.kind, self.model, self.metric, self.message) = (kind, model, metric, message)
    }
}

/// "Are we shipping?" figures.
public struct DeliveryFigures: Sendable, Equatable {
    public var deploymentsThisPeriod: Int
    public var rollbacksThisPeriod: Int
    /// Deployments per ISO week, oldest first, ending with the period's week (12 weeks).
    public var weekly: [(label: String, count: Int)]
    /// Days from a version's run start to its first deployment to the environment, for versions
    /// first deployed in the last 90 days.
    public var leadTimeMedianDays: Double?
    public var leadTimeP90Days: Double?
    public var leadTimeSamples: Int
    /// Rollbacks / deployments over the last 90 days.
    public var rollbackRate90d: Double?
    public var deployments90d: Int
    public var rollbacks90d: Int
    /// Registered versions never deployed to the environment, oldest first, with age in days.
    public var neverDeployed: [(model: String, version: Int, ageDays: Double)]
    /// Days from the last deployment to the end of the period.
    public var daysSinceLastDeploy: Double?

    public init(
        deploymentsThisPeriod: Int, rollbacksThisPeriod: Int, weekly: [(label: String, count: Int)], leadTimeMedianDays: Double?,
        leadTimeP90Days: Double?, leadTimeSamples: Int, rollbackRate90d: Double?, deployments90d: Int, rollbacks90d: Int,
        neverDeployed: [(model: String, version: Int, ageDays: Double)], daysSinceLastDeploy: Double?
    ) {
        self.deploymentsThisPeriod = deploymentsThisPeriod
        self.rollbacksThisPeriod = rollbacksThisPeriod
        self.weekly = weekly
        self.leadTimeMedianDays = leadTimeMedianDays
        self.leadTimeP90Days = leadTimeP90Days
        self.leadTimeSamples = leadTimeSamples
        self.rollbackRate90d = rollbackRate90d
        self.deployments90d = deployments90d
        self.rollbacks90d = rollbacks90d
        self.neverDeployed = neverDeployed
        self.daysSinceLastDeploy = daysSinceLastDeploy
    }

    public static func == (a: DeliveryFigures, b: DeliveryFigures) -> Bool {
        a.deploymentsThisPeriod == b.deploymentsThisPeriod && a.rollbacksThisPeriod == b.rollbacksThisPeriod
            && a.weekly.map(\.label) == b.weekly.map(\.label) && a.weekly.map(\.count) == b.weekly.map(\.count)
            && a.leadTimeMedianDays == b.leadTimeMedianDays && a.leadTimeP90Days == b.leadTimeP90Days
            && a.rollbackRate90d == b.rollbackRate90d
            && a.neverDeployed.map(\.model) == b.neverDeployed.map(\.model)
            && a.neverDeployed.map(\.version) == b.neverDeployed.map(\.version)
            && a.daysSinceLastDeploy == b.daysSinceLastDeploy
    }
}

/// Percentile by linear interpolation between closest ranks (numpy's default).
public func percentile(_ values: [Double], _ p: Double) -> Double? {
    guard !values.isEmpty else { return nil }
    let s = values.sorted()
    let pos = p * Double(s.count - 1)
    let lo = Int(pos.rounded(.down))
    let hi = Int(pos.rounded(.up))
    return s[lo] + (s[hi] - s[lo]) * (pos - Double(lo))
}
