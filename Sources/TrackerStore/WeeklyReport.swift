import Foundation
import SQLiteKit
import TrackerAnalysis
import TrackerCore

extension Store {
    /// Builds the report value: loads what `WeeklyAnalysis` and `DeliveryAnalysis` judge. Pure
    /// reads; the same data gives the same value.
    public func weeklyReport(_ o: ReportOptions, calendar: ReportCalendar) throws -> WeeklyReport {
        let live = try deployments(env: o.env)
        for m in o.models { _ = try model(named: m) }  // unknown names fail with the list of models
        let models = try WeeklyAnalysis.reportedModels(live, o).map { name in
            WeeklyAnalysis.modelReport(try modelReportInputs(name, o), o)
        }
        let ledger = WeeklyAnalysis.timeOrdered(try ledger(env: o.env), o)
        let delivery = try DeliveryAnalysis.figures(
            ledger: ledger.filter { $0.time < o.period.until }, o, calendar: calendar, registered: try registeredVersions(o),
            runStart: { model, version in
                let v = try self.version(model: model, ref: String(version))
                return try v.runID.map { try self.run(id: $0).info.startTime }
            })
        return WeeklyAnalysis.report(o, models: models, ledger: ledger, delivery: delivery)
    }

    /// Sets alert thresholds for a model (metric '' = every metric); nil leaves a value as it is.
    public func setAlertSettings(model: String, metric: String, maxGap: Double?, coverageFloor: Double?) throws {
        try updateLiveSettings(model: model) { s in
            if let maxGap { s.maxGap[metric] = maxGap }
            if let coverageFloor { s.coverageFloor = coverageFloor }
        }
    }

    /// What one model's section of the report reads: its gap, deployments, settings, and the
    /// reported version's estimates over the previous period and per day.
    func modelReportInputs(_ name: String, _ o: ReportOptions) throws -> ModelReportInputs {
        let p = o.period
        var gapOptions = GapOptions(since: p.since, until: p.until)
        gapOptions.minN = o.minN
        gapOptions.tolerance = o.tolerance
        let gap = try self.gap(model: name, env: o.env, options: gapOptions)
        let liveAtEnd = try deployments(model: name, env: o.env, at: p.until - 1).first
        let intervals = try deployments(model: name, env: o.env).filter {
            $0.startedAt < p.until && ($0.endedAt == nil || $0.endedAt! > p.since)
        }
        let version = WeeklyAnalysis.reportedVersion(liveAtEnd: liveAtEnd, intervals: intervals)
        let settings = try liveSettings(model: name)
        let (previous, daily) = try db.read { c -> ([LiveEstimate], [[LiveEstimate]]) in
            let m = try RegistryRepository.modelRow(c, name)
            func estimates(since: Int64, until: Int64) throws -> [LiveEstimate] {
                let d = try LiveRepository.liveData(
                    c, modelID: m.id, env: o.env, since: since, until: until, positive: settings.positiveLabel, version: version,
                    settings: settings)
                return GapAnalysis.estimates(d, version)
            }
            let previous = try estimates(since: p.since - (p.until - p.since), until: p.since)
            let daily = try p.dayStarts.enumerated().map { i, start in
                try estimates(since: start, until: i + 1 < p.dayStarts.count ? p.dayStarts[i + 1] : p.until)
            }
            return (previous, daily)
        }
        let changes = try ledger(model: name, env: o.env, since: p.since, until: p.until).sorted { ($0.time, $0.id) < ($1.time, $1.id) }
        return ModelReportInputs(
            name: name, gap: gap, liveAtEnd: liveAtEnd, version: version, settings: settings, previous: previous, daily: daily,
            changes: changes)
    }

    /// Every version (number, creation time) of the models the report covers, by model.
    func registeredVersions(_ o: ReportOptions) throws -> [(model: String, versions: [(version: Int, creationTime: Int64)])] {
        let filter = Set(o.models)
        return try listModels().filter { filter.isEmpty || filter.contains($0.name) }.map { m in
            (m.name, try versions(model: m.name).map { ($0.version, $0.creationTime) })
        }
    }
}
