import Foundation
import Testing
import TrackerCore

@testable import TrackerAnalysis

/// The weekly report's assembly over an in-memory source: no database, values in, report out.
@Suite struct WeeklyReportAssemblyTests {
    static let day: Int64 = 86_400_000

    /// One model live in production since before the period; records the live-data windows asked for.
    final class Source: WeeklyReportSource {
        var windows: [[(since: Int64, until: Int64)]] = []
        var versionsAsked: [Int?] = []
        let promoted = LedgerEntry(
            id: 1, model: "m", env: "production", kind: "promote", fromVersion: nil, toVersion: 1, actor: "a", reason: "", time: -day,
            gates: [])

        func deployments(model: String?, env: String?, at: Int64?) throws -> [Deployment] {
            [Deployment(model: "m", env: "production", version: 1, startedAt: -day, endedAt: nil, ledgerID: 1)]
        }
        func ledger(model: String?, env: String?, since: Int64?, until: Int64?) throws -> [LedgerEntry] {
            [promoted].filter { e in since.map { e.time >= $0 } ?? true && until.map { e.time < $0 } ?? true }
        }
        func requireModel(_ name: String) throws {
            if name != "m" { throw TrackerError(.notFound, "model '\(name)' not found (models: m)") }
        }
        func liveSettings(model: String) throws -> LiveSettings { LiveSettings() }
        func gap(model: String, env: String, options: GapOptions) throws -> GapReport {
            GapReport(model: model, env: env, since: options.since, until: options.until, versions: [], unattributed: nil)
        }
        func liveData(model: String, env: String, windows: [(since: Int64, until: Int64)], version: Int?, settings: LiveSettings) throws
            -> [LiveData]
        {
            self.windows.append(windows)
            versionsAsked.append(version)
            return windows.map { _ in LiveData() }
        }
        func registeredVersions(models: [String]) throws -> [(model: String, versions: [(version: Int, creationTime: Int64)])] {
            [("m", [(1, -2 * day)])]
        }
        func runStartTime(model: String, version: Int) throws -> Int64? { nil }
    }

    @Test func aLiveModelGetsASectionFromThePreviousPeriodAndEachDay() throws {
        let calendar = try ReportCalendar(zone: "UTC")
        let period = calendar.period(since: 0, until: 7 * Self.day)
        let source = Source()
        let report = try source.weeklyReport(ReportOptions(period: period), calendar: calendar)
        #expect(report.models.map(\.model) == ["m"])
        #expect(report.models.first?.liveVersion == 1)
        // One read: the previous week, then the seven days, for the version live at the end.
        #expect(source.windows.count == 1 && source.versionsAsked == [1])
        let windows = source.windows.first ?? []
        #expect(windows.count == 1 + period.dayStarts.count)
        #expect(windows.first.map { [$0.since, $0.until] } == [-7 * Self.day, 0])
        #expect(windows.last.map { [$0.since, $0.until] } == [period.dayStarts.last!, 7 * Self.day])
    }

    @Test func anUnknownModelFailsBeforeAnythingIsRead() throws {
        let calendar = try ReportCalendar(zone: "UTC")
        var o = ReportOptions(period: calendar.period(since: 0, until: 7 * Self.day))
        o.models = ["nope"]
        let source = Source()
        #expect(throws: TrackerError.self) { try source.weeklyReport(o, calendar: calendar) }
        #expect(source.windows.isEmpty)
    }
}
