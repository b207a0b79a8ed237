import Testing
import TrackerCore

@testable import TrackerAnalysis

/// The analysis layer without a database: values in, judgements out.
@Suite struct GateAnalysisTests {
    @Test func promotionGatesRunThresholdsThenMustBeatThenAfterEnv() {
        let results = GateEvaluator.promotionGates(
            version: 3, candidate: ["accuracy": 0.91, "loss": 0.2], requires: [try! GateExpression.parse("accuracy >= 0.9")],
            mustBeat: [try! MustBeat.parse("accuracy")], incumbentVersion: 2, incumbent: ["accuracy": 0.93],
            afterEnv: (env: "staging", firstDeployed: nil))
        #expect(results.map(\.gate) == ["accuracy >= 0.9", "must beat current accuracy", "deployed to staging first"])
        #expect(results.map(\.passed) == [true, false, false])
        #expect(results[2].detail == "version 3 has never been deployed to staging")
    }

    @Test func noIncumbentMeansNothingToBeat() {
        let r = GateEvaluator.promotionGates(
            version: 1, candidate: [:], requires: [], mustBeat: [try! MustBeat.parse("accuracy")], incumbentVersion: nil, incumbent: [:],
            afterEnv: nil)
        #expect(r.count == 1 && r[0].passed && r[0].detail.contains("nothing to beat"))
    }
}

@Suite struct GapAnalysisTests {
    static func windows(_ pairs: [(Int?, Double, Double)]) -> LiveData {
        var d = LiveData()
        for (v, n, hits) in pairs { d.windows[v, default: [:]]["accuracy", default: WindowTotals()].add(n: n, sum: hits, sumSq: hits) }
        return d
    }

    @Test func aRowJudgesLiveAgainstOffline() {
        let e = LiveEstimate(
            metric: "accuracy", value: 0.80, n: 5000, interval: Interval(low: 0.79, high: 0.81, method: "wilson"), source: "windows",
            coverage: nil)
        let row = GapAnalysis.row(e, offline: (value: 0.90, source: "test"), GapOptions(since: 0, until: 1))
        #expect(row.verdict == .worse && row.offlineSource == "test")
        #expect(abs(row.gap! + 0.10) < 1e-12 && abs(row.relativeGap! + 0.10 / 0.90) < 1e-12)
    }

    @Test func aSilentIncumbentIsReadOverAllTimeOnlyWhenNeeded() throws {
        // v1 live from 0, v2 from 100; only v2 reported in the window [100, 200).
        var allTimeReads: [Int] = []
        let inputs = GapInputs(
            model: "m", env: "production", options: GapOptions(since: 100, until: 200), positive: "1",
            data: Self.windows([(2, 1000, 900)]), attribution: Attribution(intervals: [(0, 100, 1), (100, nil, 2)]),
            offline: { _ in ["accuracy": (value: 0.9, source: "registration")] },
            allTime: { v in
                allTimeReads.append(v)
                return Self.windows([(1, 1000, 950)])
            })
        let report = try GapAnalysis.report(inputs)
        #expect(report.versions.map(\.version) == [2] && report.unattributed == nil)
        let incumbent = try #require(report.versions[0].incumbent)
        #expect(incumbent.version == 1 && incumbent.scope == "all time" && incumbent.estimates.first?.value == 0.95)
        #expect(allTimeReads == [1])
        #expect(report.versions[0].rows.first?.offline == 0.9)
    }
}

@Suite struct WeeklyAnalysisTests {
    static let period = ReportPeriod(label: "w", since: 0, until: 7 * 86_400_000, timeZone: "UTC", dayStarts: [0], dayLabels: ["d"])

    static func estimate(_ value: Double, n: Int) -> LiveEstimate {
        LiveEstimate(
            metric: "accuracy", value: value, n: n, interval: Stats.wilson(successes: value * Double(n), n: Double(n)), source: "windows",
            coverage: nil, spread: .proportion(effectiveN: Double(n)))
    }

    @Test func aModelWithoutLiveDataRaisesNoLiveData() {
        let gap = GapReport(model: "m", env: "production", since: 0, until: 1, versions: [], unattributed: nil)
        let inputs = ModelReportInputs(
            name: "m", gap: gap, liveAtEnd: nil, version: 4, settings: LiveSettings(), previous: [], daily: [], changes: [])
        let (report, alerts) = WeeklyAnalysis.modelReport(inputs, ReportOptions(period: Self.period))
        #expect(report.metrics.isEmpty)
        #expect(alerts.map(\.kind) == [.noLiveData] && alerts[0].message.hasPrefix("m v4 is in production"))
    }

    @Test func gapAlertNeedsAWorseVerdictBeyondTheThreshold() {
        let m = ReportMetric(
            metric: "accuracy", offline: 0.9, live: Self.estimate(0.8, n: 5000), gap: -0.1, relativeGap: -0.1 / 0.9,
            direction: .higherIsBetter, verdict: .worse, previous: nil, daily: [])
        #expect(WeeklyAnalysis.gapAlert(m, label: "m v1", model: "m", maxGap: 0.05)?.kind == .gapWorse)
        #expect(WeeklyAnalysis.gapAlert(m, label: "m v1", model: "m", maxGap: 0.2) == nil)
    }

    @Test func weekOverWeekNeedsEnoughSamplesBothWeeks() {
        var m = ReportMetric(
            metric: "accuracy", offline: nil, live: Self.estimate(0.80, n: 5000), gap: nil, relativeGap: nil, direction: .higherIsBetter,
            verdict: .notEnoughEvidence, previous: Self.estimate(0.90, n: 5000), daily: [])
        #expect(WeeklyAnalysis.weekOverWeekAlert(m, label: "m", model: "m", minN: 30)?.kind == .weekOverWeek)
        m.previous = Self.estimate(0.90, n: 10)
        #expect(WeeklyAnalysis.weekOverWeekAlert(m, label: "m", model: "m", minN: 30) == nil)
    }

    @Test func reportedModelsAreThoseLiveInThePeriod() {
        let d = { (model: String, start: Int64, end: Int64?) in
            Deployment(model: model, env: "production", version: 1, startedAt: start, endedAt: end, ledgerID: 1)
        }
        var o = ReportOptions(period: Self.period)
        let live = [d("b", 0, nil), d("a", -10, -1), d("c", 5, 6), d("d", 7 * 86_400_000, nil)]
        #expect(WeeklyAnalysis.reportedModels(live, o) == ["b", "c"])
        o.models = ["c"]
        #expect(WeeklyAnalysis.reportedModels(live, o) == ["c"])
    }
}

@Suite struct DeliveryAnalysisTests {
    static func entry(_ id: Int64, _ kind: String, _ version: Int, _ time: Int64) -> LedgerEntry {
        LedgerEntry(
            id: id, model: "m", env: "production", kind: kind, fromVersion: nil, toVersion: version, actor: "a", reason: "", time: time,
            gates: [])
    }

    @Test func leadTimeCountsEachVersionsFirstDeploymentOnly() throws {
        let day: Int64 = 86_400_000
        let ledger = [Self.entry(1, "promote", 1, 2 * day), Self.entry(2, "promote", 2, 3 * day), Self.entry(3, "rollback", 1, 4 * day)]
        let leads = try DeliveryAnalysis.leadTimes(ledger.filter { $0.kind != "rollback" }, until: 5 * day) { _, v in
            v == 1 ? 0 : nil
        }
        #expect(leads == [2.0])
        let never = DeliveryAnalysis.neverDeployed(ledger, registered: [("m", [(1, 0), (2, 0), (3, day)])], until: 5 * day)
        #expect(never.count == 1 && never[0].version == 3 && never[0].ageDays == 4)
    }
}
