import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Testing
import TrackerCore
import TrackerStore

@testable import TrackerServer
@testable import TrackerUI

/// Route tests for what a new-user walkthrough of the web UI found: gate numbers, the promote
/// hint, error pages, default and sort columns, the tab icon, single-point metrics, the gap table.
@Suite struct UIWalkthroughTests {
    typealias F = UITests.Fixture

    /// A model `tumor` with v1, v2 live in production (gated, numbers with many digits), v3 newer.
    static func tumor(_ f: F, promoteV3: Bool) throws {
        let s = f.store
        let exp = try s.experiments.ensureExperiment(name: "tumor")
        for (i, acc) in [0.9111111111111111, 0.954954954954955, 0.980836236933798].enumerated() {
            let r = try s.runs.createRun(experimentID: exp.id, name: "tumor-\(i)", userID: "dana", startTime: 1_790_000_000_000 + Int64(i))
            try s.metrics.log(runID: r.runID, LogBatch(metrics: [MetricPoint(key: "accuracy", value: acc, step: 0, time: 1_790_000_000_000)]))
            _ = try s.registry.registerVersion(name: "tumor", runID: r.runID, userID: "dana")
        }
        _ = try s.deployments.promote(model: "tumor", versionRef: "1", env: "production", actor: "dana")
        let gates = [try GateExpression.parse("accuracy >= 0.9")]
        let beat = MustBeat(metric: "accuracy", margin: 0)
        _ = try s.deployments.promote(model: "tumor", versionRef: "2", env: "production", requires: gates, mustBeat: beat, actor: "dana")
        if promoteV3 { _ = try s.deployments.promote(model: "tumor", versionRef: "3", env: "production", requires: gates, mustBeat: beat, actor: "dana") }
    }

    @Test(arguments: TestBackend.all) func modelTimelineShowsGateNumbersWithFourDigitsAndPromoteSkipsTheLiveVersion(_ backend: TestBackend) async throws {
        let f = try F(backend)
        try Self.tumor(f, promoteV3: false)
        try await f.app().test(.router) { client in
            let p = try await UITests.get(client, "/models/tumor")
            UITests.expectPage(p, ["accuracy = 0.955", "candidate 0.955 vs live version 1 0.9111", "tracker promote tumor 3 --to production"])
            #expect(!p.body.contains("0.954954954954955") && !p.body.contains("0.9111111111111111"))
        }
        let g = try F(backend)
        try Self.tumor(g, promoteV3: true)
        try await g.app().test(.router) { client in
            let p = try await UITests.get(client, "/models/tumor")
            UITests.expectPage(p, ["candidate 0.9808 vs live version 2 0.955", "The newest version, v3, is already live in production"])
            #expect(!p.body.contains("tracker promote tumor 3 --to production"))
            #expect(!p.body.contains("0.980836236933798"))
        }
    }

    @Test func briefNumbersRoundsDecimalsButKeepsIntegersAndNames() {
        #expect(
            Show.briefNumbers("candidate 0.980836236933798 vs live version 3 0.954954954954955 (higher is better)")
                == "candidate 0.9808 vs live version 3 0.955 (higher is better)")
        #expect(Show.briefNumbers("f1.5 = -1.23456e-05, v2") == "f1.5 = \(ReportFormat.value(-1.23456e-05)), v2")
    }

    @Test(arguments: TestBackend.all) func errorPagesSayWhatToPickAndLinkBack(_ backend: TestBackend) async throws {
        let f = try F(backend)
        try await f.app().test(.router) { client in
            let one = try await UITests.get(client, "/compare?run=\(f.runIDs[0])")
            #expect(one.status == .badRequest)
            #expect(one.body.contains("<h1>Pick 2 to 20 runs to compare</h1>") && one.body.contains("2 to 20 runs (got 1)"))
            #expect(one.body.contains("href=\"/experiments/\(f.expID)\"") && !one.body.contains("Something went wrong"))
            let none = try await UITests.get(client, "/compare")
            #expect(none.status == .badRequest && none.body.contains("href=\"/experiments\""))
            let week = try await UITests.get(client, "/reports?week=2026-W99")
            #expect(week.status == .badRequest)
            #expect(week.body.contains("<h1>No such week</h1>") && week.body.contains("W99") && week.body.contains("href=\"/reports\""))
            #expect(!week.body.contains("Something went wrong"))
        }
    }

    @Test(arguments: TestBackend.all) func runsTableDefaultsToTheMostCommonMetricsAndShowsTheSortKey(_ backend: TestBackend) async throws {
        let f = try F(backend)
        // Two runs log metrics named before "accuracy"/"loss" alphabetically that few runs have.
        for (i, id) in f.runIDs.prefix(2).enumerated() {
            try f.store.metrics.log(
                runID: id,
                LogBatch(metrics: ["aa_rare", "ab_rare", "ac_rare", "ad_rare"].map { MetricPoint(key: $0, value: Double(i), step: 0, time: 1) }))
        }
        try await f.app().test(.router) { client in
            let p = try await UITests.get(client, "/experiments/\(f.expID)")
            UITests.expectPage(p, [#"data-label="accuracy""#, #"data-label="loss""#])
            #expect(!p.body.contains(#"td class="n" data-label="ad_rare""#))
            let sorted = try await UITests.get(client, "/experiments/\(f.expID)?order=metrics.ad_rare%20DESC")
            UITests.expectPage(sorted, [#"data-label="ad_rare""#])
            let picked = try await UITests.get(client, "/experiments/\(f.expID)?cols=1&col=param%3Alr&order=metrics.accuracy")
            UITests.expectPage(picked, [#"data-label="accuracy""#, #"data-label="lr""#])
            #expect(!picked.body.contains(#"data-label="depth""#))
        }
    }

    @Test(arguments: TestBackend.all) func faviconIsServedAndLinked(_ backend: TestBackend) async throws {
        let f = try F(backend)
        try await f.app(token: "secret").test(.router) { client in
            let icon = try await UITests.get(client, "/favicon.ico")
            #expect(icon.status == .ok && icon.headers[.contentType] == "image/svg+xml" && icon.body.hasPrefix("<svg"))
            let hashed = try await UITests.get(client, Assets.icon.path)
            #expect(hashed.status == .ok && hashed.body == icon.body)
        }
        try await f.app().test(.router) { client in
            UITests.expectPage(try await UITests.get(client, "/"), [#"<link rel="icon" type="image/svg+xml" href="\#(Assets.icon.path)">"#])
        }
    }

    @Test(arguments: TestBackend.all) func runPageChartsOnlyMetricsWithTwoOrMorePoints(_ backend: TestBackend) async throws {
        let f = try F(backend)
        try await f.app().test(.router) { client in
            let p = try await UITests.get(client, "/runs/\(f.runIDs[1])")
            UITests.expectPage(p, [#"data-chart="loss""#, #"<tr data-metric="accuracy">"#])
            #expect(!p.body.contains(#"data-chart="accuracy""#))
        }
    }

    @Test(arguments: TestBackend.all) func gapTableShowsDirectionWithItsSourceAndTheMethod(_ backend: TestBackend) async throws {
        let f = try F(backend)
        try await f.app().test(.router) { client in
            let p = try await UITests.get(client, "/gap?model=churn&env=production&days=14&until=2026-11-23")
            UITests.expectPage(p, ["<th>direction</th>", "<th>method</th>", "higher (from the name)", #"data-field="method">wilson"#])
        }
    }
}
