import Foundation
import Testing

@testable import TrackerCore
@testable import TrackerReport
@testable import TrackerStore

func reportText(_ s: Store, week: String = "2026-W47", zone: String = "UTC", models: [String] = [], format: String) throws -> String {
    let cal = try ReportCalendar(zone: zone)
    var o = ReportOptions(period: try cal.period(week: week))
    o.models = models
    let r = try s.weeklyReport(o, calendar: cal)
    switch format {
    case "md": return MarkdownRenderer.render(r)
    case "html": return HTMLRenderer.render(r)
    default: return JSONRenderer.render(r)
    }
}

@Suite struct ReportGoldenTests {
    @Test(arguments: TestBackend.all) func allThreeFormatsMatchTheirGoldenFiles(_ backend: TestBackend) throws {
        let tmp = try TempDir(backend)
        let s = try seedReport(tmp)
        try expectGolden(try reportText(s, format: "md"), "weekly-2026-W47.md")
        try expectGolden(try reportText(s, format: "html"), "weekly-2026-W47.html")
        try expectGolden(try reportText(s, format: "json"), "weekly-2026-W47.json")
    }

    @Test(arguments: TestBackend.all) func byteIdenticalRunAfterRunThroughTheCLI(_ backend: TestBackend) throws {
        let tmp = try TempDir(backend)
        _ = try seedReport(tmp)
        let args = ["report", "--week", "2026-W47", "--format", "html", "--db", tmp.db]
        let a = try ok(args)
        let b = try ok(args)
        #expect(a == b && a.hasPrefix("<!DOCTYPE html>"))
        #expect(!a.contains("generated"))
        let c = try ok(["report", "--week", "2026-W47", "--now", "2026-11-23T08:00:00Z", "--db", tmp.db])
        #expect(c.contains("generated 2026-11-23 08:00"))
        // --weekly with --now picks the last complete week.
        #expect(
            try ok(["report", "--weekly", "--now", "2026-11-25T12:00:00Z", "--db", tmp.db]).hasPrefix("# Production vs offline — 2026-W47"))
        // The HTML is self-contained: no scripts, no external assets.
        #expect(!a.contains("<script") && !a.contains("http://") && !a.contains("https://") && !a.contains("src="))
    }
}

@Suite struct ReportContentTests {
    func report(_ s: Store, week: String = "2026-W47", zone: String = "UTC") throws -> WeeklyReport {
        let cal = try ReportCalendar(zone: zone)
        return try s.weeklyReport(ReportOptions(period: try cal.period(week: week)), calendar: cal)
    }

    @Test(arguments: TestBackend.all) func alertsOneByOne(_ backend: TestBackend) throws {
        let tmp = try TempDir(backend)
        let s = try seedReport(tmp, coverage: 40)
        let r = try report(s)
        let kinds = r.alerts.map { "\($0.kind.rawValue) \($0.model) \($0.metric ?? "")" }
        // pricing is live but silent.
        #expect(kinds.contains("no_live_data pricing "))
        // churn v2 is much worse live than offline (accuracy 0.93 → ~0.80).
        #expect(kinds.contains("gap_worse churn accuracy"))
        // 40% of churn predictions got a label: below the 50% floor.
        #expect(kinds.contains("low_label_coverage churn "))
        // A per-model threshold silences the gap alert.
        try s.setAlertSettings(model: "churn", metric: "accuracy", maxGap: 0.5, coverageFloor: nil)
        try s.setAlertSettings(model: "churn", metric: "", maxGap: nil, coverageFloor: 0.3)
        let r2 = try report(s)
        #expect(!r2.alerts.contains { $0.kind == .gapWorse && $0.metric == "accuracy" })
        #expect(!r2.alerts.contains { $0.kind == .lowCoverage })
    }

    @Test(arguments: TestBackend.all) func weekOverWeekDegradation(_ backend: TestBackend) throws {
        let tmp = try TempDir(backend)
        let s = try Store.open(path: tmp.db)
        _ = try s.registry.registerVersion(name: "m", runID: nil, now: t("2026-11-01T00:00:00Z"))
        _ = try s.deployments.promote(model: "m", versionRef: "1", env: "production", actor: "a", now: t("2026-11-01T00:00:00Z"))
        let w = { (start: String, mean: Double) in
            LiveEvent.window(
                LiveWindowInput(
                    model: "m", env: "production", metric: "ctr", version: nil, start: t(start), end: t(start) + 3_600_000, n: 5000,
                    sum: mean * 5000, sumSq: mean * 5000))
        }
        _ = try s.writeLive([w("2026-11-10T00:00:00Z", 0.20), w("2026-11-17T00:00:00Z", 0.15)], lines: [1, 2], source: "t")
        let r = try report(s)
        #expect(r.alerts.map(\.kind) == [.weekOverWeek])
        #expect(r.alerts.first?.message.contains("fell from 0.2 last period to 0.15") == true)
        #expect(r.models.first?.metrics.first?.change.map { abs($0 + 0.05) < 1e-12 } == true)
    }

    @Test(arguments: TestBackend.all) func failOnAlertExitsFourAfterWriting(_ backend: TestBackend) throws {
        let tmp = try TempDir(backend)
        _ = try seedReport(tmp)
        let out = tmp.file("r.md")
        let r = try tracker(["report", "--week", "2026-W47", "--fail-on-alert", "--out", out, "--db", tmp.db])
        #expect(r.status == 4)
        #expect(FileManager.default.fileExists(atPath: out))
        let quiet = try tracker(["report", "--week", "2026-W47", "--fail-on-alert", "--model", "fraud", "--db", tmp.db])
        #expect(quiet.status == 0, "\(quiet.stdout)")
        let unknown = try tracker(["report", "--week", "2026-W47", "--model", "nope", "--db", tmp.db])
        #expect(unknown.status == 1 && unknown.stderr.contains("models: churn, fraud, pricing"))
    }

    @Test(arguments: TestBackend.all) func weekBoundariesInANonUTCZone(_ backend: TestBackend) throws {
        let cal = try ReportCalendar(zone: "America/New_York")
        let w = try cal.week("2026-W47")
        #expect(w.since == t("2026-11-16T05:00:00Z") && w.until == t("2026-11-23T05:00:00Z"))
        // Across the DST change (Nov 1, 2026) a week is 169 hours long.
        let dst = try cal.week("2026-W44")
        #expect(dst.until - dst.since == 169 * 3_600_000)
        let paris = try ReportCalendar(zone: "Europe/Paris").period(week: "2026-W47")
        #expect(paris.dayLabels.first == "2026-11-16" && paris.dayLabels.count == 7 && paris.since == t("2026-11-15T23:00:00Z"))
        #expect(try ReportCalendar(zone: "UTC").lastCompleteWeek(now: t("2026-11-23T00:00:00Z")).label == "2026-W47")
        #expect(throws: TrackerError.self) { try ReportCalendar(zone: "Mars/Olympus") }
        // The report in New York time counts the churn promotion (Wed 10:00Z) in the same week.
        let tmp = try TempDir(backend)
        let s = try seedReport(tmp)
        let r = try report(s, zone: "America/New_York")
        #expect(r.period.since == t("2026-11-16T05:00:00Z"))
        #expect(r.changes.map(\.kind) == ["force", "promote", "rollback"])
    }

    @Test(arguments: TestBackend.all) func aWeekWithNoData(_ backend: TestBackend) throws {
        let tmp = try TempDir(backend)
        let s = try seedReport(tmp)
        let r = try report(s, week: "2026-W30")
        #expect(r.models.isEmpty && r.changes.isEmpty && r.alerts.isEmpty)
        #expect(r.delivery.deploymentsThisPeriod == 0 && r.delivery.daysSinceLastDeploy == nil)
        let md = MarkdownRenderer.render(r)
        #expect(md.contains("**0 models in production**") && md.contains("No promotions or rollbacks."))
    }

    @Test(arguments: TestBackend.all) func deliveryFiguresMatchAHandComputedCase(_ backend: TestBackend) throws {
        let tmp = try TempDir(backend)
        let s = try seedReport(tmp)
        let d = try report(s).delivery
        // This week: churn v2 promote, fraud v2 force → 2 deployments; 1 rollback.
        #expect(d.deploymentsThisPeriod == 2 && d.rollbacksThisPeriod == 1)
        // Last 90 days before Nov 23 (from Aug 25): all 5 deployments, 1 rollback → 20%.
        #expect(d.deployments90d == 5 && d.rollbacks90d == 1 && d.rollbackRate90d == 0.2)
        // Lead times (days): churn v1 Nov 1 09:00 → Nov 3 12:00 = 2.125; churn v2 Nov 10 09:00 → Nov 18 10:00 = 8.0417;
        // fraud v1 Sep 20 09:00 → Oct 1 12:00 = 11.125; pricing v1 Oct 1 09:00 → Oct 15 12:00 = 14.125; fraud v2 Nov 12 09:00 → Nov 17 15:00 = 5.25.
        let leads = [2.125, 8.0 + 1.0 / 24, 11.125, 14.125, 5.25].sorted()
        #expect(d.leadTimeSamples == 5)
        #expect(abs(d.leadTimeMedianDays! - leads[2]) < 1e-9)
        #expect(abs(d.leadTimeP90Days! - (leads[3] + (leads[4] - leads[3]) * 0.6)) < 1e-9)
        // Never deployed: churn v3, registered Nov 20 09:00 → 2.625 days old on Nov 23.
        #expect(d.neverDeployed.count == 1 && d.neverDeployed[0].model == "churn" && d.neverDeployed[0].version == 3)
        #expect(abs(d.neverDeployed[0].ageDays - 2.625) < 1e-9)
        // Last deployment Nov 18 10:00 → 4.5833 days before Nov 23 00:00.
        #expect(abs(d.daysSinceLastDeploy! - (4.0 + 14.0 / 24)) < 1e-9)
        // 12 weeks, ending with W47: W46 has none, W47 has two, W44 none, W40 one (fraud v1, Oct 1), W42 one (pricing Oct 15), W45 one (churn v1 Nov 3).
        #expect(d.weekly.count == 12 && d.weekly.last?.label == "2026-W47" && d.weekly.first?.label == "2026-W36")
        #expect(
            Dictionary(uniqueKeysWithValues: d.weekly.map { ($0.label, $0.count) }).filter { $0.value > 0 } == [
                "2026-W40": 1, "2026-W42": 1, "2026-W45": 1, "2026-W47": 2,
            ])
    }
}

/// Adds `ranker` to a seeded store: three versions promoted to production within two seconds
/// late on Wed Nov 18 (offline accuracy 0.9737), then hourly live accuracy windows near 0.975.
func seedCrowded(_ s: Store) throws {
    let exp = try s.experiments.ensureExperiment(name: "ranking")
    for v in 1...3 {
        let r = try s.runs.createRun(experimentID: exp.id, name: "ranker-\(v)", userID: "dana", startTime: t("2026-11-1\(v)T09:00:00Z"))
        try s.metrics.log(runID: r.runID, LogBatch(metrics: [MetricPoint(key: "accuracy", value: 0.9737, step: 0, time: t("2026-11-1\(v)T09:00:00Z"))]))
        _ = try s.registry.registerVersion(name: "ranker", runID: r.runID, userID: "dana", now: t("2026-11-1\(v)T10:00:00Z"))
    }
    for v in 1...3 {
        _ = try s.deployments.promote(
            model: "ranker", versionRef: "\(v)", env: "production", reason: "ship", actor: "ci", now: t("2026-11-18T20:00:00Z") + Int64(v - 1) * 1000)
    }
    var events: [LiveEvent] = []
    var start = t("2026-11-18T20:00:00Z")
    while start < t("2026-11-23T00:00:00Z") {
        let hits = 1950.0 + Double((start / 3_600_000) % 7)
        events.append(
            .window(
                LiveWindowInput(
                    model: "ranker", env: "production", metric: "accuracy", version: nil, start: start, end: start + 3_600_000, n: 2000,
                    sum: hits, sumSq: hits)))
        start += 3_600_000
    }
    _ = try s.writeLive(events, lines: Array(1...events.count), source: "seed")
}

@Suite struct ReportItemTests {
    /// Item 23: ranker's first data came at 20:00 on Wednesday, after its deployments; that day's
    /// dot sits right of the deployment line (it used to sit at noon, left of it).
    @Test(arguments: TestBackend.all) func aDayPointIsNeverLeftOfTheDeploymentBeforeItsData(_ backend: TestBackend) throws {
        let tmp = try TempDir(backend)
        let s = try seedReport(tmp)
        try seedCrowded(s)
        let html = try reportText(s, models: ["ranker"], format: "html")
        let svg = String(html[html.range(of: "<svg")!.lowerBound...])
        let chart = String(svg[..<svg.range(of: "</svg>")!.upperBound])
        let marker = try #require(svgMarkers(chart).first)
        let dots = svgCircles(chart).map { $0.x + 3 }
        #expect(dots.count == 5)
        #expect(dots.allSatisfy { $0 > marker.x }, "dots \(dots) vs deployment at \(marker.x)")
        // The three deployments two seconds apart are one marker.
        #expect(svgMarkers(chart).count == 1 && svgTexts(chart).contains { $0.text == "3 deployments" })
    }

    /// Item 25: human output never prints exponents for everyday values.
    @Test(arguments: TestBackend.all) func vsLastPeriodPrintsPlainDecimals(_ backend: TestBackend) throws {
        #expect(ReportFormat.value(-1.324e-05) == "-0.00001324")
        #expect(ReportFormat.value(0.00042) == "0.00042" && ReportFormat.value(1_234_567) == "1234567")
        #expect(ReportFormat.signed(1.5e-7) == "+0.00000015" && ReportFormat.value(0.954954954954955) == "0.955")
        let tmp = try TempDir(backend)
        let s = try Store.open(path: tmp.db)
        _ = try s.registry.registerVersion(name: "m", runID: nil, now: t("2026-11-01T00:00:00Z"))
        _ = try s.deployments.promote(model: "m", versionRef: "1", env: "production", actor: "a", now: t("2026-11-01T00:00:00Z"))
        let w = { (start: String, mean: Double) in
            LiveEvent.window(
                LiveWindowInput(
                    model: "m", env: "production", metric: "latency", version: nil, start: t(start), end: t(start) + 3_600_000, n: 100,
                    sum: mean * 100, sumSq: mean * mean * 100 + 1))
        }
        _ = try s.writeLive([w("2026-11-10T00:00:00Z", 0.2), w("2026-11-17T00:00:00Z", 0.2 - 1.324e-5)], lines: [1, 2], source: "t")
        let md = try reportText(s, format: "md")
        #expect(md.contains("| -0.00001324 |"), "\(md)")
        #expect(!md.contains("e-0"))
    }

    /// Item 26: the version that was only ever in staging is "never deployed to production".
    @Test(arguments: TestBackend.all) func neverDeployedSaysWhere(_ backend: TestBackend) throws {
        let tmp = try TempDir(backend)
        let s = try seedReport(tmp)
        _ = try s.deployments.promote(model: "churn", versionRef: "3", env: "staging", actor: "dana", now: t("2026-11-21T09:00:00Z"))
        #expect(try reportText(s, format: "html").contains("Registered versions never deployed to production</td><td class=\"n\">1: churn v3"))
        #expect(try reportText(s, format: "md").contains("Registered versions never deployed to production: 1 — churn v3"))
    }

    /// Item 28: every daily entry carries its local date and start.
    @Test(arguments: TestBackend.all) func jsonDailyEntriesCarryTheirDay(_ backend: TestBackend) throws {
        let tmp = try TempDir(backend)
        _ = try seedReport(tmp)
        let out = try ok(["report", "--week", "2026-W47", "--tz", "Europe/Paris", "--format", "json", "--db", tmp.db])
        let doc = try #require(try JSONSerialization.jsonObject(with: Data(out.utf8)) as? [String: Any])
        let days = try #require((doc["period"] as? [String: Any])?["days"] as? [String])
        #expect(days.first == "2026-11-16" && days.count == 7)
        let models = try #require(doc["models"] as? [[String: Any]])
        var checked = 0
        for m in models {
            for metric in m["metrics"] as? [[String: Any]] ?? [] {
                let daily = try #require(metric["daily"] as? [[String: Any]])
                #expect(daily.map { $0["day"] as? String } == days)
                #expect(daily.first?["start"] as? Int == Int(t("2026-11-15T23:00:00Z")))
                for d in daily { #expect(d["value"] is NSNull ? d["n"] as? Int == 0 : (d["n"] as? Int ?? 0) > 0) }
                checked += 1
            }
        }
        #expect(checked > 0)
    }
}

/// Headless Chromium and the selenium venv, or nil; CI sets TRACKER_REQUIRE_BROWSER=1 so that a
/// missing browser fails the browser tests instead of skipping them.
enum Browser {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let required = ProcessInfo.processInfo.environment["TRACKER_REQUIRE_BROWSER"] == "1"
    static let chromium = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"].first {
        FileManager.default.isExecutableFile(atPath: $0)
    }
    static let python = root.appendingPathComponent(".venv/bin/python").path
    static var seleniumReady: Bool {
        chromium != nil && FileManager.default.isExecutableFile(atPath: "/usr/bin/chromedriver")
            && FileManager.default.isExecutableFile(atPath: python)
    }
    /// Run the test when the browser is there, or when it is required (then its absence fails).
    static var shouldRun: Bool { required || chromium != nil }
}

@Suite struct ReportBrowserTests {
    /// Renders the HTML in headless Chromium and checks the screenshot is not blank.
    @Test(.enabled(if: Browser.shouldRun, "chromium is not installed")) func htmlRendersInARealBrowser() throws {
        let chromium = try #require(Browser.chromium, "chromium is required (TRACKER_REQUIRE_BROWSER=1) but not installed")
        let tmp = TempDir()
        let s = try seedReport(tmp)
        let html = tmp.write("report.html", try reportText(s, format: "html"))
        let png = tmp.file("shot.png")
        let p = Process()
        p.executableURL = URL(fileURLWithPath: chromium)
        p.arguments = [
            "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--window-size=1000,2400", "--screenshot=\(png)",
            "file://\(html)",
        ]
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        p.waitUntilExit()
        let data = try Data(contentsOf: URL(fileURLWithPath: png))
        #expect(data.count > 20_000, "a screenshot of the report should not be blank (got \(data.count) bytes)")
        #expect(data.starts(with: [0x89, 0x50, 0x4E, 0x47]))
        // The page has colour, not just white: count distinct bytes in the compressed image as a cheap proxy.
        #expect(Set(data.prefix(200_000)).count > 200)
    }

    /// The report from the real CLI, laid out by Chromium at 1200 and 390 px: no two texts of a
    /// chart overlap (nor a text and a dot), every y tick lies in its metric's domain, nothing
    /// scrolls sideways on a phone, and every verdict is on screen. Screenshots go to
    /// .build/screenshots/report-WIDTH.png.
    @Test(.enabled(if: Browser.shouldRun, "chromium is not installed")) func chartsAndLayoutMeasuredInChromium() throws {
        #expect(Browser.seleniumReady, "chromium, /usr/bin/chromedriver and .venv (selenium) are required")
        guard Browser.seleniumReady else { return }
        let tmp = TempDir()
        let s = try seedReport(tmp)
        try seedCrowded(s)
        let html = tmp.file("report.html")
        try ok(["report", "--week", "2026-W47", "--format", "html", "--out", html, "--db", tmp.db])
        let shots = Browser.root.appendingPathComponent(".build/screenshots").path
        let p = Process()
        p.executableURL = URL(fileURLWithPath: Browser.python)
        p.arguments = [Browser.root.appendingPathComponent("tests/python/report_browser.py").path, html, shots, "1200", "390"]
        let out = Pipe()
        let err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        let errText = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        try #require(p.terminationStatus == 0, "report_browser.py failed: \(errText)")
        let result = try #require(try JSONSerialization.jsonObject(with: data) as? [String: [String: Any]])
        for width in ["1200", "390"] {
            let page = try #require(result[width])
            checkCharts(page, width: width)
            let scrollWidth = page["scrollWidth"] as? Double ?? .infinity
            #expect(scrollWidth <= Double(width)!, "at \(width) px the page scrolls sideways (\(scrollWidth))")
            let verdicts = page["verdicts"] as? [[String: Any]] ?? []
            #expect(verdicts.count >= 7)
            for v in verdicts {
                let b = v["box"] as? [Double] ?? []
                #expect(v["visible"] as? Bool == true && b.count == 4 && b[0] >= 0 && b[0] + b[2] <= Double(width)!, "verdict off screen at \(width): \(v)")
            }
            let shot = try Data(contentsOf: URL(fileURLWithPath: shots + "/report-\(width).png"))
            #expect(shot.count > 20_000 && shot.starts(with: [0x89, 0x50, 0x4E, 0x47]))
        }
    }

    /// The y domain a chart's caption implies, known independently of the renderer.
    func expectedDomain(_ caption: String) -> ClosedRange<Double> {
        if caption.hasPrefix("log_loss") || caption.hasPrefix("Deployments") { return 0...Double.greatestFiniteMagnitude }
        return 0...1
    }

    func checkCharts(_ page: [String: Any], width: String) {
        let charts = page["charts"] as? [[String: Any]] ?? []
        #expect(charts.count >= 9, "charts at \(width): \(charts.count)")
        for chart in charts {
            let caption = chart["caption"] as? String ?? ""
            let texts = chart["texts"] as? [[String: Any]] ?? []
            let boxes = texts.map { t -> (String, Box) in
                let b = t["box"] as? [Double] ?? [0, 0, 0, 0]
                return (t["text"] as? String ?? "", Box(x: b[0], y: b[1], w: b[2], h: b[3]))
            }
            // Boxes that merely touch (sub-pixel rounding) are not an overlap.
            func overlap(_ a: Box, _ b: Box) -> Bool {
                min(a.x + a.w, b.x + b.w) - max(a.x, b.x) > 0.5 && min(a.y + a.h, b.y + b.h) - max(a.y, b.y) > 0.5
            }
            for (i, a) in boxes.enumerated() {
                for b in boxes[(i + 1)...] where overlap(a.1, b.1) {
                    Issue.record("at \(width) px in «\(caption)» «\(a.0)» overlaps «\(b.0)»")
                }
                for d in chart["dots"] as? [[Double]] ?? [] where overlap(a.1, Box(x: d[0], y: d[1], w: d[2], h: d[3])) {
                    Issue.record("at \(width) px in «\(caption)» «\(a.0)» lies on a dot")
                }
            }
            let ticks = texts.filter { ($0["cls"] as? String) == "y-tick" }.compactMap { Double($0["text"] as? String ?? "") }
            #expect(ticks.count >= 2, "«\(caption)» has y ticks")
            let domain = expectedDomain(caption)
            for v in ticks where !domain.contains(v) { Issue.record("at \(width) px «\(caption)» has tick \(v) outside \(domain)") }
        }
    }
}
