import Foundation
import SQLiteKit
import TrackerCore

/// What `weeklyReport` covers and how it judges.
public struct ReportOptions: Sendable {
    public var period: ReportPeriod
    public var env = "production"
    /// Only these models (empty = every model in the environment).
    public var models: [String] = []
    /// Printed as "generated at" only when given.
    public var now: Int64?
    /// Alert when live is worse than offline by more than this share (unless set per model/metric).
    public var defaultMaxGap = 0.05
    /// Alert when label coverage is below this share (unless set per model).
    public var defaultCoverageFloor = 0.5
    public var minN = 30
    public var tolerance = 0.02
    /// Weeks in the delivery chart.
    public var deliveryWeeks = 12

    public init(period: ReportPeriod) { self.period = period }
}

extension Store {
    /// Builds the report value. Pure reads; the same data gives the same value.
    public func weeklyReport(_ o: ReportOptions, calendar: ReportCalendar) throws -> WeeklyReport {
        let p = o.period
        // Models with a version live in the environment at some point of the period.
        var names = Set(
            try deployments(env: o.env).filter { $0.startedAt < p.until && ($0.endedAt == nil || $0.endedAt! > p.since) }.map(\.model))
        if !o.models.isEmpty {
            for m in o.models { _ = try model(named: m) }  // unknown names fail with the list of models
            names = names.intersection(o.models)
        }
        var models: [ModelReport] = []
        var alerts: [ReportAlert] = []
        for name in names.sorted() {
            let (report, modelAlerts) = try modelReport(name, o, calendar: calendar)
            models.append(report)
            alerts += modelAlerts
        }
        let filter = Set(o.models)
        // In time order (ids follow time in normal use; imported or backdated history may not).
        let allLedger = try ledger(env: o.env).filter { filter.isEmpty || filter.contains($0.model) }.sorted {
            ($0.time, $0.id) < ($1.time, $1.id)
        }
        let changes = allLedger.filter { $0.time >= p.since && $0.time < p.until }.map(Store.change)
        let delivery = try deliveryFigures(ledger: allLedger.filter { $0.time < p.until }, o, calendar: calendar)
        return WeeklyReport(
            period: p, generatedAt: o.now, environment: o.env, models: models, changes: changes, alerts: alerts, delivery: delivery)
    }

    static func change(_ e: LedgerEntry) -> ReportChange {
        ReportChange(
            time: e.time, model: e.model, env: e.env, kind: e.kind, fromVersion: e.fromVersion, toVersion: e.toVersion, actor: e.actor,
            reason: e.reason)
    }

    /// Sets alert thresholds for a model (metric '' = every metric); nil leaves a value as it is.
    public func setAlertSettings(model: String, metric: String, maxGap: Double?, coverageFloor: Double?) throws {
        try updateLiveSettings(model: model) { s in
            if let maxGap { s.maxGap[metric] = maxGap }
            if let coverageFloor { s.coverageFloor = coverageFloor }
        }
    }

    func modelReport(_ name: String, _ o: ReportOptions, calendar: ReportCalendar) throws -> (ModelReport, [ReportAlert]) {
        let p = o.period
        var gapOptions = GapOptions(since: p.since, until: p.until)
        gapOptions.minN = o.minN
        gapOptions.tolerance = o.tolerance
        let gap = try self.gap(model: name, env: o.env, options: gapOptions)
        let liveAtEnd = try deployments(model: name, env: o.env, at: p.until - 1).first
        let intervals = try deployments(model: name, env: o.env).filter {
            $0.startedAt < p.until && ($0.endedAt == nil || $0.endedAt! > p.since)
        }
        let version = liveAtEnd?.version ?? intervals.last?.version
        let vg = gap.versions.first { $0.version == version }
        let settings = try liveSettings(model: name)
        let positive = settings.positiveLabel
        let (previous, daily) = try db.read { c -> ([LiveEstimate], [[LiveEstimate]]) in
            let m = try Store.modelRow(c, name)
            let length = p.until - p.since
            let prevData = try Store.liveData(
                c, modelID: m.id, env: o.env, since: p.since - length, until: p.since, positive: positive, version: version,
                settings: settings)
            var days: [[LiveEstimate]] = []
            for (i, start) in p.dayStarts.enumerated() {
                let end = i + 1 < p.dayStarts.count ? p.dayStarts[i + 1] : p.until
                let d = try Store.liveData(
                    c, modelID: m.id, env: o.env, since: start, until: end, positive: positive, version: version, settings: settings)
                days.append(Store.estimates(d, version))
            }
            return (Store.estimates(prevData, version), days)
        }
        let metrics = (vg?.rows ?? []).map { r in
            ReportMetric(
                metric: r.metric, offline: r.offline, live: r.live, gap: r.gap, relativeGap: r.relativeGap, direction: r.direction,
                verdict: r.verdict,
                previous: previous.first { $0.metric == r.metric }, daily: daily.map { d in d.first { $0.metric == r.metric } },
                directionSource: r.directionSource, digits: r.digits)
        }
        let deployments = try ledger(model: name, env: o.env, since: p.since, until: p.until).sorted { ($0.time, $0.id) < ($1.time, $1.id) }
            .map(Store.change)
        let report = ModelReport(
            model: name, env: o.env, liveVersion: liveAtEnd?.version, liveSince: liveAtEnd?.startedAt, metrics: metrics,
            coverage: vg?.coverage,
            predictions: vg?.predictions ?? 0, incumbent: vg?.incumbent, deployments: deployments)

        // Alerts.
        var alerts: [ReportAlert] = []
        let label = "\(name)" + (version.map { " v\($0)" } ?? "")
        if metrics.isEmpty {
            alerts.append(
                ReportAlert(
                    kind: .noLiveData, model: name, metric: nil,
                    message: "\(label) is in \(o.env) but reported no live data this period: is monitoring broken?"))
        }
        for m in metrics {
            if let alert = Store.gapAlert(m, label: label, model: name, maxGap: settings.maxGap[m.metric] ?? settings.maxGap[""] ?? o.defaultMaxGap) {
                alerts.append(alert)
            }
            if let alert = Store.weekOverWeekAlert(m, label: label, model: name, minN: o.minN) { alerts.append(alert) }
        }
        let floor = settings.coverageFloor ?? o.defaultCoverageFloor
        if let cov = vg?.coverage, (vg?.predictions ?? 0) > 0, cov < floor {
            alerts.append(
                ReportAlert(
                    kind: .lowCoverage, model: name, metric: nil,
                    message: String(
                        format: "%@ label coverage is %.1f%% (floor %.1f%%): outcomes are not arriving", label, cov * 100, floor * 100)))
        }
        return (report, alerts)
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

    func deliveryFigures(ledger: [LedgerEntry], _ o: ReportOptions, calendar: ReportCalendar) throws -> DeliveryFigures {
        let p = o.period
        let day = 86_400_000.0
        let deploys = ledger.filter { $0.kind != "rollback" }
        let rollbacks = ledger.filter { $0.kind == "rollback" }
        let inPeriod = { (e: LedgerEntry) in e.time >= p.since && e.time < p.until }
        // Weekly counts for the weeks ending with the period's last week.
        // Walk back week by week in the calendar (weeks across a DST change are not 7 × 24 h).
        var weekly: [(label: String, count: Int)] = []
        var label = calendar.weekLabel(p.until - 1)
        for _ in 0..<o.deliveryWeeks {
            let w = try calendar.week(label)
            weekly.insert((label, deploys.filter { $0.time >= w.since && $0.time < w.until }.count), at: 0)
            label = calendar.weekLabel(w.since - 1)
        }
        // Lead time: run start → first deployment to this environment, for versions first deployed in the last 90 days.
        let since90 = p.until - 90 * 86_400_000
        var first: [String: (model: String, version: Int, time: Int64)] = [:]
        for e in deploys {
            let key = "\(e.model)\u{0}\(e.toVersion)"
            if first[key] == nil { first[key] = (e.model, e.toVersion, e.time) }
        }
        var leads: [Double] = []
        for f in first.values where f.time >= since90 {
            let v = try version(model: f.model, ref: String(f.version))
            if let runID = v.runID {
                let r = try run(id: runID)
                leads.append(Double(f.time - r.info.startTime) / day)
            }
        }
        let d90 = deploys.filter { $0.time >= since90 }.count
        let r90 = rollbacks.filter { $0.time >= since90 }.count
        // Versions never deployed to this environment.
        var never: [(model: String, version: Int, ageDays: Double)] = []
        let filter = Set(o.models)
        for m in try listModels() where filter.isEmpty || filter.contains(m.name) {
            let deployed = Set(ledger.filter { $0.model == m.name }.map(\.toVersion))
            for v in try versions(model: m.name) where v.creationTime < p.until && !deployed.contains(v.version) {
                never.append((m.name, v.version, Double(p.until - v.creationTime) / day))
            }
        }
        never.sort { $0.ageDays != $1.ageDays ? $0.ageDays > $1.ageDays : ($0.model, $0.version) < ($1.model, $1.version) }
        return DeliveryFigures(
            deploymentsThisPeriod: deploys.filter(inPeriod).count, rollbacksThisPeriod: rollbacks.filter(inPeriod).count, weekly: weekly,
            leadTimeMedianDays: percentile(leads, 0.5), leadTimeP90Days: percentile(leads, 0.9), leadTimeSamples: leads.count,
            rollbackRate90d: d90 > 0 ? Double(r90) / Double(d90) : nil, deployments90d: d90, rollbacks90d: r90, neverDeployed: never,
            daysSinceLastDeploy: deploys.last.map { Double(p.until - $0.time) / day })
    }
}
