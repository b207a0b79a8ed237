import Foundation
import TrackerCore

extension WeeklyReportSource {
    /// Builds the report value from what this source loads, judged by `WeeklyAnalysis` and
    /// `DeliveryAnalysis`. Pure reads; the same data gives the same value.
    public func weeklyReport(_ o: ReportOptions, calendar: ReportCalendar) throws -> WeeklyReport {
        let live = try deployments(model: nil, env: o.env, at: nil)
        for m in o.models { try requireModel(m) }  // unknown names fail with the list of models
        let models = try WeeklyAnalysis.reportedModels(live, o).map { name in
            WeeklyAnalysis.modelReport(try modelReportInputs(name, o), o)
        }
        let ledger = WeeklyAnalysis.timeOrdered(try ledger(model: nil, env: o.env, since: nil, until: nil), o)
        let delivery = try DeliveryAnalysis.figures(
            ledger: ledger.filter { $0.time < o.period.until }, o, calendar: calendar, registered: try registeredVersions(models: o.models),
            runStart: { model, version in try self.runStartTime(model: model, version: version) })
        return WeeklyAnalysis.report(o, models: models, ledger: ledger, delivery: delivery)
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
        let intervals = try deployments(model: name, env: o.env, at: nil).filter {
            $0.startedAt < p.until && ($0.endedAt == nil || $0.endedAt! > p.since)
        }
        let version = WeeklyAnalysis.reportedVersion(liveAtEnd: liveAtEnd, intervals: intervals)
        let settings = try liveSettings(model: name)
        // The previous period of the same length, then each day of this one.
        let windows =
            [(since: p.since - (p.until - p.since), until: p.since)]
            + p.dayStarts.enumerated().map { i, start in
                (since: start, until: i + 1 < p.dayStarts.count ? p.dayStarts[i + 1] : p.until)
            }
        let estimates = try liveData(model: name, env: o.env, windows: windows, version: version, settings: settings).map {
            GapAnalysis.estimates($0, version)
        }
        let (previous, daily) = (estimates[0], Array(estimates.dropFirst()))
        let changes = try ledger(model: name, env: o.env, since: p.since, until: p.until).sorted { ($0.time, $0.id) < ($1.time, $1.id) }
        return ModelReportInputs(
            name: name, gap: gap, liveAtEnd: liveAtEnd, version: version, settings: settings, previous: previous, daily: daily,
            changes: changes)
    }
}
