import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Testing
import TrackerCore
import TrackerStore

@testable import TrackerServer
@testable import TrackerUI

/// Route tests of the web UI: every page's status, type and key content; escaping of hostile
/// names; artifact safety; login and CSRF.
@Suite struct UITests {
    static let hostile = "<script>alert(1)</script>"

    /// The report scenario (models, deployments, live data) plus an experiment with runs,
    /// metrics over steps, a hostile run name and artifacts.
    // @unchecked: every field is set in init and only read afterwards; TempDir (a class) only
    // removes its folder when the fixture goes away.
    struct Fixture: @unchecked Sendable {
        let tmp: TempDir
        let store: Store
        let artifacts: ArtifactStore
        let expID: Int64
        var runIDs: [String] = []

        init(_ backend: TestBackend = .sqlite) throws {
            tmp = try TempDir(backend)
            store = try seedReport(tmp)
            artifacts = ArtifactStore(root: tmp.url.appendingPathComponent("artifacts"))
            let exp = try store.experiments.createExperiment(name: "churn-training")
            expID = exp.id
            for i in 0..<12 {
                let name = i == 0 ? UITests.hostile : "run-\(i)"
                let r = try store.runs.createRun(experimentID: exp.id, name: name, userID: "dana", startTime: 1_790_000_000_000 + Int64(i) * 60_000)
                let points = (0..<20).map { MetricPoint(key: "loss", value: 1 / Double($0 + 1 + i), step: Int64($0), time: 1_790_000_000_000 + Int64($0)) }
                try store.metrics.log(
                    runID: r.runID,
                    LogBatch(
                        params: [KeyValue("lr", i % 2 == 0 ? "0.1" : "0.01"), KeyValue("depth", String(i))],
                        tags: [KeyValue("mlflow.source.git.commit", "abcdef0123456789"), KeyValue("note", "<b>x\"y</b>")],
                        metrics: points + [MetricPoint(key: "accuracy", value: 0.8 + Double(i) / 100, step: 0, time: 1_790_000_000_000)]))
                if i > 0 { try store.runs.updateRun(runID: r.runID, status: .finished, endTime: 1_790_000_000_000 + Int64(i) * 60_000 + 90_000) }
                runIDs.append(r.runID)
            }
            for (path, body) in [
                ("evil.html", "<html><script>alert(1)</script></html>"),
                ("evil.svg", #"<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>"#),
                ("notes/readme.txt", "hello <b>world</b>"),
            ] {
                try store.mlflow.putArtifact(.run(runIDs[1]), try artifacts.put(data: Data(body.utf8), path: path))
            }
            let png = Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 0])
            try store.mlflow.putArtifact(.run(runIDs[1]), try artifacts.put(data: png, path: "plot.png"))
            _ = try store.registry.registerVersion(name: "churn-candidate", runID: runIDs[1])
        }

        func app(token: String? = nil) -> some ApplicationProtocol {
            var c = ServerConfiguration()
            c.token = token
            var logger = Logger(label: "test")
            logger.logLevel = .error
            return buildApplication(store: store, artifacts: artifacts, configuration: c, logger: logger)
        }
    }

    struct Page {
        let status: HTTPResponse.Status
        let headers: HTTPFields
        let body: String
    }

    static func get(_ client: some TestClientProtocol, _ uri: String, cookie: String? = nil) async throws -> Page {
        var headers = HTTPFields()
        if let cookie { headers[.cookie] = cookie }
        return try await client.execute(uri: uri, method: .get, headers: headers) {
            Page(status: $0.status, headers: $0.headers, body: String(buffer: $0.body))
        }
    }

    static func post(_ client: some TestClientProtocol, _ uri: String, _ form: [(String, String)], cookie: String? = nil) async throws -> Page {
        var headers: HTTPFields = [.contentType: "application/x-www-form-urlencoded"]
        if let cookie { headers[.cookie] = cookie }
        let body = form.map { "\(URLPart.encode($0.0))=\(URLPart.encode($0.1))" }.joined(separator: "&")
        return try await client.execute(uri: uri, method: .post, headers: headers, body: ByteBuffer(string: body)) {
            Page(status: $0.status, headers: $0.headers, body: String(buffer: $0.body))
        }
    }

    /// The CSRF token a page's forms carry.
    static func csrf(_ html: String) -> String {
        guard let r = html.range(of: #"name="csrf" value=""#) else { return "" }
        return String(html[r.upperBound...].prefix { $0 != "\"" })
    }

    static func expectPage(_ p: Page, _ contains: [String], sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(p.status == .ok, sourceLocation: sourceLocation)
        #expect(p.headers[.contentType] == "text/html; charset=utf-8", sourceLocation: sourceLocation)
        #expect(p.headers[.contentSecurityPolicy]?.contains("script-src 'self'") == true, sourceLocation: sourceLocation)
        #expect(!p.body.contains("<script>alert"), sourceLocation: sourceLocation)
        #expect(!p.body.contains(" style="), sourceLocation: sourceLocation)
        #expect(p.body.utf8.count < 150_000, sourceLocation: sourceLocation)
        for s in contains { #expect(p.body.contains(s), "missing: \(s)", sourceLocation: sourceLocation) }
    }

    @Test(arguments: TestBackend.all) func homeShowsProductionFirst(_ backend: TestBackend) async throws {
        let f = try Fixture(backend)
        try await f.app().test(.router) { client in
            let p = try await Self.get(client, "/")
            Self.expectPage(p, ["Production", "churn", "fraud", "pricing", "Recent promotions and rollbacks", "churn-training", "badge"])
            #expect(p.body.range(of: "production")!.lowerBound < p.body.range(of: "Experiments</h2>")!.lowerBound)
            let exps = try await Self.get(client, "/experiments")
            Self.expectPage(exps, ["churn-training", "report"])
        }
    }

    @Test(arguments: TestBackend.all) func runsTableFiltersSortsPagesAndPicksColumns(_ backend: TestBackend) async throws {
        let f = try Fixture(backend)
        try await f.app().test(.router) { client in
            let base = "/experiments/\(f.expID)"
            let all = try await Self.get(client, base)
            Self.expectPage(all, ["run-11", "run-2", "lr", "loss", "abcdef01", "Compare selected"])
            #expect(all.body.contains(">run-1<"))
            let filtered = try await Self.get(client, base + "?filter=" + URLPart.encode("metrics.accuracy > 0.895"))
            Self.expectPage(filtered, ["run-11", "run-10"])
            #expect(!filtered.body.contains(">run-9<"))
            let bad = try await Self.get(client, base + "?filter=" + URLPart.encode("metrics.accuracy >> 1"))
            #expect(bad.status == .badRequest)
            #expect(bad.body.contains(#"id="filter-error""#) && bad.body.contains("filter syntax error at column"))
            let sorted = try await Self.get(client, base + "?order=" + URLPart.encode("metrics.accuracy ASC"))
            let a = sorted.body.range(of: ">run-2<")!.lowerBound
            let b = sorted.body.range(of: ">run-9<")!.lowerBound
            #expect(a < b)
            #expect(sorted.body.contains(#"aria-sort="ascending""#))
            let cols = try await Self.get(client, base + "?cols=1&col=param:depth&limit=10")
            #expect(cols.status == .ok)
            #expect(cols.body.contains("col=param%3Adepth"))  // sort links keep the chosen columns
            #expect(!cols.body.contains(">lr</th>") && !cols.body.contains(">lr</a>"))
            #expect(cols.body.contains("offset=10"))
            let page2 = try await Self.get(client, base + "?limit=10&offset=10")
            #expect(page2.body.contains("runs 11–12"))
        }
    }

    @Test(arguments: TestBackend.all) func hostileNamesRenderAsText(_ backend: TestBackend) async throws {
        let f = try Fixture(backend)
        try await f.app().test(.router) { client in
            let escaped = "&lt;script&gt;alert(1)&lt;/script&gt;"
            for uri in ["/experiments/\(f.expID)", "/runs/\(f.runIDs[0])", "/compare?run=\(f.runIDs[0])&run=\(f.runIDs[1])"] {
                let p = try await Self.get(client, uri)
                Self.expectPage(p, [escaped])
            }
            let run = try await Self.get(client, "/runs/\(f.runIDs[0])")
            #expect(run.body.contains("&lt;b&gt;x&quot;y&lt;/b&gt;"))
        }
    }

    @Test(arguments: TestBackend.all) func runPageShowsOverviewMetricsArtifactsAndVersions(_ backend: TestBackend) async throws {
        let f = try Fixture(backend)
        try await f.app().test(.router) { client in
            let id = f.runIDs[1]
            let p = try await Self.get(client, "/runs/\(id)")
            Self.expectPage(p, ["run-1", "abcdef0123456789", "depth", "accuracy", "evil.html", "notes/", "churn-candidate v1", "data-chart=\"loss\"", "<svg"])
            #expect(p.body.contains(#"data-field="min">0.04762<"#))  // min of 1/(k+2) over 20 steps
            let folder = try await Self.get(client, "/runs/\(id)?dir=notes")
            #expect(folder.body.contains("readme.txt"))
            let live = try await client.execute(uri: "/runs/\(id)/live.json", method: .get) { r in
                (r.headers[.contentType], try JSON.parse(Array(r.body.readableBytesView)))
            }
            #expect(live.0 == "application/json")
            #expect(live.1["status"] == .string("FINISHED"))
            #expect(live.1["metrics"]?.arrayValue?.count == 2)
            let missing = try await Self.get(client, "/runs/0123456789abcdef0123456789abcdef")
            #expect(missing.status == .notFound)
            #expect(missing.headers[.contentType] == "text/html; charset=utf-8")
        }
    }

    @Test(arguments: TestBackend.all) func artifactsNeverRunAsPages(_ backend: TestBackend) async throws {
        let f = try Fixture(backend)
        try await f.app().test(.router) { client in
            let id = f.runIDs[1]
            for name in ["evil.html", "evil.svg"] {
                let api = try await Self.get(client, "/api/2.0/mlflow-artifacts/artifacts/\(f.expID)/\(id)/artifacts/\(name)")
                #expect(api.status == .ok)
                #expect(api.headers[.xContentTypeOptions] == "nosniff")
                #expect(api.headers[.contentDisposition]?.hasPrefix("attachment; filename=\"\(name)\"") == true)
                #expect(api.headers[.contentType] == "application/octet-stream")
                for q in ["", "&inline=1"] {
                    let raw = try await Self.get(client, "/runs/\(id)/raw?path=\(name)\(q)")
                    #expect(raw.headers[.xContentTypeOptions] == "nosniff")
                    #expect(raw.headers[.contentDisposition]?.hasPrefix("attachment") == true)
                    #expect(raw.headers[.contentType] == "application/octet-stream")
                }
                let preview = try await Self.get(client, "/runs/\(id)/artifact?path=\(name)")
                Self.expectPage(preview, ["&lt;script&gt;alert(1)&lt;/script&gt;", "<pre"])
            }
            let png = try await Self.get(client, "/runs/\(id)/raw?path=plot.png&inline=1")
            #expect(png.headers[.contentType] == "image/png" && png.headers[.contentDisposition]?.hasPrefix("inline") == true)
            let pngPreview = try await Self.get(client, "/runs/\(id)/artifact?path=plot.png")
            #expect(pngPreview.body.contains("<img src=\"/runs/\(id)/raw?path=plot.png&amp;inline=1\""))
        }
    }

    @Test(arguments: TestBackend.all) func compareShowsDifferencesAndNeedsTwoToTwentyRuns(_ backend: TestBackend) async throws {
        let f = try Fixture(backend)
        try await f.app().test(.router) { client in
            let q = f.runIDs.prefix(3).map { "run=\($0)" }.joined(separator: "&")
            let p = try await Self.get(client, "/compare?\(q)&smooth=0.6")
            Self.expectPage(p, ["Compare 3 runs", "class=\"diff\"", "depth", "loss", #"<option value="0.6" selected="""#, "<polyline"])
            let one = try await Self.get(client, "/compare?run=\(f.runIDs[0])")
            #expect(one.status == .badRequest && one.body.contains("2 to 20 runs"))
        }
    }

    @Test(arguments: TestBackend.all) func modelPagesShowLedgerGatesAndTheCommandButNoPromoteButton(_ backend: TestBackend) async throws {
        let f = try Fixture(backend)
        try await f.app().test(.router) { client in
            Self.expectPage(try await Self.get(client, "/models"), ["churn", "fraud", "v1 in production"])
            let p = try await Self.get(client, "/models/fraud")
            Self.expectPage(
                p, ["forced promote", "rollback", "false positives doubled", "precision &gt;= 0.75", "tracker promote fraud 2 --to", "Live gap in production"])
            #expect(!p.body.contains("action=\"/api/v1/promote\"") && !p.body.contains("method=\"post\" action=\"/models"))
            #expect(try await Self.get(client, "/models/nope").status == .notFound)
        }
    }

    @Test(arguments: TestBackend.all) func gapAndWeeklyReportPages(_ backend: TestBackend) async throws {
        let f = try Fixture(backend)
        try await f.app().test(.router) { client in
            let gap = try await Self.get(client, "/gap?model=churn&env=production&until=2026-11-23&days=7")
            Self.expectPage(gap, ["Live gap — churn in production", "Version 2", "95% CI", "verdict", "Daily", "accuracy — daily", "<svg"])
            Self.expectPage(try await Self.get(client, "/gap"), ["Live gap"])
            let report = try await Self.get(client, "/reports?week=2026-W47")
            Self.expectPage(report, ["Production vs offline — 2026-W47", "class=\"report\"", "2026-W46", "2026-W48", "Delivery"])
            #expect(try await Self.get(client, "/reports?week=2026-W99").status == .badRequest)
        }
    }

    @Test(arguments: TestBackend.all) func liveDataAheadOfTheClockDoesNotMoveTheDefaultWindow(_ backend: TestBackend) async throws {
        let f = try Fixture(backend)
        let day: Int64 = 86_400_000
        let ahead = (TimeParser.nowMillis() / day + 5) * day
        let w = LiveWindowInput(
            model: "fraud", env: "production", metric: "precision", version: nil, start: ahead, end: ahead + 3_600_000, n: 40, sum: 1, sumSq: 1)
        _ = try f.store.writeLive([.window(w)], lines: [1], source: "test")
        try await f.app().test(.router) { client in
            // As `tracker gap`: the 7 days up to now (whole UTC days, today included), not up to the latest data.
            let today = (TimeParser.nowMillis() + day - 1) / day * day
            let gap = try await Self.get(client, "/gap?model=fraud&env=production")
            Self.expectPage(gap, ["\(Show.time(today - 7 * day)) – \(Show.time(today)) UTC"])
        }
    }

    @Test(arguments: TestBackend.all) func editsNeedTheCSRFToken(_ backend: TestBackend) async throws {
        let f = try Fixture(backend)
        try await f.app().test(.router) { client in
            let id = f.runIDs[2]
            let page = try await Self.get(client, "/runs/\(id)")
            let token = Self.csrf(page.body)
            #expect(token.count == 64)
            let refused = try await Self.post(client, "/runs/\(id)/edit", [("name", "hijacked")])
            #expect(refused.status == .forbidden)
            #expect(try f.store.runs.run(id: id).info.name == "run-2")
            let ok = try await Self.post(client, "/runs/\(id)/edit", [("csrf", token), ("name", "renamed"), ("description", "why")])
            #expect(ok.status == .seeOther && ok.headers[.location] == "/runs/\(id)")
            let run = try f.store.runs.run(id: id)
            #expect(run.info.name == "renamed" && run.tags.contains(KeyValue("mlflow.note.content", "why")))
            _ = try await Self.post(client, "/runs/\(id)/tag", [("csrf", token), ("key", "team"), ("value", "risk")])
            #expect(try f.store.runs.run(id: id).tags.contains(KeyValue("team", "risk")))
            _ = try await Self.post(client, "/runs/\(id)/untag", [("csrf", token), ("key", "team")])
            #expect(try !f.store.runs.run(id: id).tags.contains { $0.key == "team" })
            _ = try await Self.post(client, "/runs/\(id)/delete", [("csrf", token)])
            #expect(try f.store.runs.run(id: id).info.lifecycleStage == "deleted")
            let deleted = try await Self.get(client, "/experiments/\(f.expID)?view=deleted")
            #expect(deleted.body.contains(">renamed<"))
            _ = try await Self.post(client, "/runs/\(id)/restore", [("csrf", token)])
            #expect(try f.store.runs.run(id: id).info.lifecycleStage == "active")
        }
    }

    @Test(arguments: TestBackend.all) func aTokenServerAsksForItOnceAndKeepsAnHttpOnlyCookie(_ backend: TestBackend) async throws {
        let f = try Fixture(backend)
        try await f.app(token: "s3cret").test(.router) { client in
            let home = try await Self.get(client, "/experiments")
            #expect(home.status == .seeOther && home.headers[.location] == "/login?next=%2Fexperiments")
            let login = try await Self.get(client, "/login?next=%2Fexperiments")
            Self.expectPage(login, ["Token", "type=\"password\""])
            let csrf = Self.csrf(login.body)
            let wrong = try await Self.post(client, "/login", [("csrf", csrf), ("token", "nope"), ("next", "/experiments")])
            #expect(wrong.status == .unauthorized && wrong.headers[.setCookie] == nil)
            let ok = try await Self.post(client, "/login", [("csrf", csrf), ("token", "s3cret"), ("next", "/experiments")])
            #expect(ok.status == .seeOther && ok.headers[.location] == "/experiments")
            let setCookie = ok.headers[.setCookie] ?? ""
            #expect(setCookie.contains("HttpOnly") && setCookie.contains("SameSite=Strict") && !setCookie.contains("s3cret"))
            let cookie = String(setCookie.prefix { $0 != ";" })
            Self.expectPage(try await Self.get(client, "/experiments", cookie: cookie), ["churn-training", "Sign out"])
            // The cookie opens the UI, not the API.
            #expect(try await Self.get(client, "/api/2.0/mlflow/experiments/search", cookie: cookie).status == .unauthorized)
            #expect(try await Self.get(client, "/experiments", cookie: "tracker_session=forged").status == .seeOther)
            let evil = try await Self.post(client, "/login", [("csrf", csrf), ("token", "s3cret"), ("next", "//evil.example")])
            #expect(evil.headers[.location] == "/")
            #expect(try await Self.get(client, Assets.css.path).status == .ok)
        }
    }

    @Test(arguments: TestBackend.all) func assetsAreHashedImmutableAndSmall(_ backend: TestBackend) async throws {
        let f = try Fixture(backend)
        try await f.app().test(.router) { client in
            let home = try await Self.get(client, "/")
            for asset in [Assets.css, Assets.js] {
                #expect(home.body.contains(asset.path))
                let r = try await Self.get(client, asset.path)
                #expect(r.headers[.cacheControl] == "public, max-age=31536000, immutable")
                #expect(r.headers[.contentType] == asset.contentType)
            }
            #expect(home.body.utf8.count + Assets.css.body.utf8.count + Assets.js.body.utf8.count < 150_000)
            #expect(!home.body.contains("http://") && !home.body.contains("https://"))
        }
    }

    @Test(arguments: TestBackend.all) func longSeriesAreDownsampledButKeepTheirSpikes(_ backend: TestBackend) throws {
        var points = (0..<100_000).map { SeriesPoint(step: Int64($0), time: Int64($0), value: sin(Double($0) / 1000)) }
        points[54_321] = SeriesPoint(step: 54_321, time: 54_321, value: 50)
        points[77_777] = SeriesPoint(step: 77_777, time: 77_777, value: -50)
        let reduced = MinMaxReducer.reduce(points, buckets: 500)
        #expect(reduced.count <= 2000 && reduced.count >= 1000)
        #expect(reduced.contains(points[54_321]) && reduced.contains(points[77_777]))
        #expect(reduced.first == points.first && reduced.last == points.last)
        #expect(zip(reduced, reduced.dropFirst()).allSatisfy { $0.step < $1.step })
        #expect(MinMaxReducer.reduce(Array(points.prefix(100)), buckets: 500).count == 100)

        let tmp = try TempDir(backend)
        let store = try Store.open(path: tmp.db)
        let run = try store.runs.createRun(experimentID: 0)
        for chunk in stride(from: 0, to: points.count, by: 10_000) {
            try store.metrics.log(
                runID: run.runID, LogBatch(metrics: points[chunk..<chunk + 10_000].map { MetricPoint(key: "m", value: $0.value, step: $0.step, time: $0.time) })
            )
        }
        let series = try store.ui.metricSeries(runID: run.runID, key: "m")
        #expect(series.count <= 2000 && series.contains(points[54_321]) && series.contains(points[77_777]))
    }
}
