import Foundation
import TrackerCore

/// What the weekly report says about one model: loaded by the store, judged here.
public struct ModelReportInputs {
    /// The model.
    public var name: String
    /// Its gap over the period.
    public var gap: GapReport
    /// The deployment live at the period's end, if any.
    public var liveAtEnd: Deployment?
    /// The version reported (`WeeklyAnalysis.reportedVersion`).
    public var version: Int?
    /// Its live settings (alert thresholds).
    public var settings: LiveSettings
    /// The version's estimates over the previous period of the same length.
    public var previous: [LiveEstimate]
    /// The version's estimates per day of the period.
    public var daily: [[LiveEstimate]]
    /// Its ledger entries in the period, in time order.
    public var changes: [LedgerEntry]

    /// Inputs as the store loads them.
    public init(
        name: String, gap: GapReport, liveAtEnd: Deployment?, version: Int?, settings: LiveSettings, previous: [LiveEstimate],
        daily: [[LiveEstimate]], changes: [LedgerEntry]
    ) {
        self.name = name
        self.gap = gap
        self.liveAtEnd = liveAtEnd
        self.version = version
        self.settings = settings
        self.previous = previous
        self.daily = daily
        self.changes = changes
    }
}

/// Weekly report assembly and its alerts. Pure: the same inputs give the same report.
public enum WeeklyAnalysis {
    /// The report value from its parts; `ledger` is the environment's whole ledger in time order.
    public static func report(
        _ o: ReportOptions, models: [(ModelReport, [ReportAlert])], ledger: [LedgerEntry], delivery: DeliveryFigures
    ) -> WeeklyReport {
        let p = o.period
        let changes = ledger.filter { $0.time >= p.since && $0.time < p.until }.map(change)
        return WeeklyReport(
            period: p, generatedAt: o.now, environment: o.env, models: models.map(\.0), changes: changes, alerts: models.flatMap(\.1),
            delivery: delivery)
    }

    /// Models with a version live in the environment at some point of the period, by name
    /// (only `o.models` when given).
    public static func reportedModels(_ deployments: [Deployment], _ o: ReportOptions) -> [String] {
        let p = o.period
        var names = Set(deployments.filter { $0.startedAt < p.until && ($0.endedAt == nil || $0.endedAt! > p.since) }.map(\.model))
        if !o.models.isEmpty { names = names.intersection(o.models) }
        return names.sorted()
    }

    /// The ledger of the reported models in time order (ids follow time in normal use; imported or
    /// backdated history may not).
    public static func timeOrdered(_ ledger: [LedgerEntry], _ o: ReportOptions) -> [LedgerEntry] {
        let filter = Set(o.models)
        return ledger.filter { filter.isEmpty || filter.contains($0.model) }.sorted { ($0.time, $0.id) < ($1.time, $1.id) }
    }

    /// The version a model's section is about: live at the period's end, else the last live in it.
    public static func reportedVersion(liveAtEnd: Deployment?, intervals: [Deployment]) -> Int? {
        liveAtEnd?.version ?? intervals.last?.version
    }

    /// A ledger entry as a report change.
    public static func change(_ e: LedgerEntry) -> ReportChange {
        ReportChange(
            time: e.time, model: e.model, env: e.env, kind: e.kind, fromVersion: e.fromVersion, toVersion: e.toVersion, actor: e.actor,
            reason: e.reason)
    }

    /// One model's section and its alerts.
    public static func modelReport(_ i: ModelReportInputs, _ o: ReportOptions) -> (ModelReport, [ReportAlert]) {
        let vg = i.gap.versions.first { $0.version == i.version }
        let metrics = (vg?.rows ?? []).map { r in
            ReportMetric(
                metric: r.metric, offline: r.offline, live: r.live, gap: r.gap, relativeGap: r.relativeGap, direction: r.direction,
                verdict: r.verdict,
                previous: i.previous.first { $0.metric == r.metric }, daily: i.daily.map { d in d.first { $0.metric == r.metric } },
                directionSource: r.directionSource, digits: r.digits)
        }
        let report = ModelReport(
            model: i.name, env: o.env, liveVersion: i.liveAtEnd?.version, liveSince: i.liveAtEnd?.startedAt, metrics: metrics,
            coverage: vg?.coverage,
            predictions: vg?.predictions ?? 0, incumbent: vg?.incumbent, deployments: i.changes.map(change))
        return (report, alerts(i, metrics: metrics, gap: vg, o))
    }

    /// No live data, live worse than offline, worse than last period, low label coverage.
    static func alerts(_ i: ModelReportInputs, metrics: [ReportMetric], gap vg: VersionGap?, _ o: ReportOptions) -> [ReportAlert] {
        let name = i.name
        var alerts: [ReportAlert] = []
        let label = "\(name)" + (i.version.map { " v\($0)" } ?? "")
        if metrics.isEmpty {
            alerts.append(
                ReportAlert(
                    kind: .noLiveData, model: name, metric: nil,
                    message: "\(label) is in \(o.env) but reported no live data this period: is monitoring broken?"))
        }
        for m in metrics {
            let maxGap = i.settings.maxGap[m.metric] ?? i.settings.maxGap[""] ?? o.defaultMaxGap
            if let alert = gapAlert(m, label: label, model: name, maxGap: maxGap) { alerts.append(alert) }
            if let alert = weekOverWeekAlert(m, label: label, model: name, minN: o.minN) { alerts.append(alert) }
        }
        let floor = i.settings.coverageFloor ?? o.defaultCoverageFloor
        if let cov = vg?.coverage, (vg?.predictions ?? 0) > 0, cov < floor {
            alerts.append(
                ReportAlert(
                    kind: .lowCoverage, model: name, metric: nil,
                    message: String(
                        format: "%@ label coverage is %.1f%% (floor %.1f%%): outcomes are not arriving", label, cov * 100, floor * 100)))
        }
        return alerts
    }

    /// "rose"/"fell" and "better"/"worse" for a move from `from` to `to`.
    static func movement(from: Double, _ fromLabel: String, to: Double, _ toLabel: String, _ direction: MetricDirection) -> String {
        let rose = to > from
        let better = rose == (direction == .higherIsBetter)
        return "\(rose ? "rose" : "fell") from \(ReportFormat.value(from)) \(fromLabel)"
            + " to \(ReportFormat.value(to)) \(toLabel) (\(better ? "better" : "worse"): \(direction.rawValue) is better)"
    }

    /// Live worse than offline by more than `maxGap` (relative) with a *worse* verdict.
    static func gapAlert(_ m: ReportMetric, label: String, model: String, maxGap: Double) -> ReportAlert? {
        guard m.verdict == .worse, let rel = m.relativeGap, let offline = m.offline else { return nil }
        let worseBy = m.direction == .higherIsBetter ? -rel : rel
        guard worseBy > maxGap else { return nil }
        let moved = movement(from: offline, "offline", to: m.live.value, "live", m.direction)
        return ReportAlert(
            kind: .gapWorse, model: model, metric: m.metric,
            message: String(
                format: "%@ %@ is %.1f%% worse live than offline: it %@; threshold %.1f%%", label, m.metric, worseBy * 100, moved,
                maxGap * 100))
    }

    /// This period significantly worse than the previous one: a two-sample test accounting for
    /// both periods' uncertainty, one-sided at 2.5% per metric (`Stats.significantlyWorse`).
    static func weekOverWeekAlert(_ m: ReportMetric, label: String, model: String, minN: Int) -> ReportAlert? {
        guard let prev = m.previous, m.live.n >= minN, prev.n >= minN,
            Stats.significantlyWorse(
                current: (m.live.value, m.live.spread), previous: (prev.value, prev.spread), direction: m.direction)
        else { return nil }
        return ReportAlert(
            kind: .weekOverWeek, model: model, metric: m.metric,
            message:
                "\(label) \(m.metric) \(movement(from: prev.value, "last period", to: m.live.value, "this period", m.direction)); n = \(prev.n) → \(m.live.n), two-sample test at the one-sided 2.5% level"
        )
    }
}
