import Foundation
import Hummingbird
import Synchronization
import TrackerCore
import TrackerStore

/// The page builders: each asks the store for values and writes HTML; no SQL, no statistics.
enum Pages {}

/// The window the production pages judge by default: the 7 days up to now, as `tracker gap`.
/// (Live data stamped after the server's clock is not chased: a page means what the CLI means.)
enum ProductionWindow {
    static let day: Int64 = 86_400_000

    /// The gap of the version live now, over `days` days up to `until`.
    static func gap(_ store: Store, model: String, env: String, until: Int64, days: Int = 7) throws -> GapReport {
        try store.gap(model: model, env: env, options: GapOptions(since: until - Int64(days) * day, until: until))
    }
}

extension Pages {
    /// `/`: production first — what is live where and how it does, this week's alerts, recent
    /// deployments, then the experiments.
    static func home(_ c: Ctx) throws -> Response {
        let live = try c.store.deployments.deployments().filter { $0.endedAt == nil }
        let cal = try ReportCalendar(zone: "UTC")
        let week = cal.weekLabel(c.now - 1)
        let (verdicts, alerts) = try homeReads(c.store, live: live, calendar: cal, week: week, now: c.now)
        let changes = try c.store.deployments.ledger(since: c.now - 30 * ProductionWindow.day).suffix(10).reversed()
        let experiments = try c.store.ui.experimentSummaries()
        let html = c.page("Production", .home) { h in
            h.el("h1", text: "Production")
            h.el("p", [Attr("class", "sub")], text: "What is live in each environment and what live outcomes say, over the last 7 days.")
            liveSection(&h, live, verdicts)
            h.el("h2", text: "Alerts this week (\(week))")
            if alerts.isEmpty { h.el("p", [Attr("class", "ok-note")], text: "No alerts.") }
            for a in alerts {
                h.el("div", [Attr("class", "alert")]) { h in
                    h.el("b", text: a.kind.rawValue)
                    h.text(" — " + a.message)
                }
            }
            h.el("h2", text: "Recent promotions and rollbacks")
            changesTable(&h, Array(changes))
            h.el("h2", text: "Experiments")
            experimentsTable(&h, Array(experiments.prefix(10)))
            if experiments.count > 10 { h.el("p") { h in h.link("/experiments", "All \(experiments.count) experiments") } }
        }
        return Layout.response(html)
    }

    /// The verdicts of every live version ("model\u{0}env" → rows) and this week's alerts.
    /// These reads are independent and the store has a pool of reader connections, so they run
    /// side by side: with 20 models in production the page takes 45.6 ms p50 instead of 50.4 ms
    /// one after another (`scripts/bench/ui.sh`, release, quiet 2-core machine, same day).
    static func homeReads(
        _ store: Store, live: [Deployment], calendar: ReportCalendar, week: String, now: Int64
    ) throws -> ([String: [GapRow]], [ReportAlert]) {
        var jobs: [@Sendable () throws -> HomeRead] = live.map { d in
            {
                let g = try ProductionWindow.gap(store, model: d.model, env: d.env, until: now)
                return .verdict(d.model + "\u{0}" + d.env, g.versions.first { $0.version == d.version }?.rows ?? [])
            }
        }
        if live.contains(where: { $0.env == "production" }) {
            var o = ReportOptions(period: try calendar.period(week: week))
            o.now = now
            let options = o
            jobs.append { .alerts(try store.weeklyReport(options, calendar: calendar).alerts) }
        }
        var verdicts: [String: [GapRow]] = [:]
        var alerts: [ReportAlert] = []
        for read in try concurrently(jobs) {
            switch read {
            case .verdict(let key, let rows): verdicts[key] = rows
            case .alerts(let a): alerts = a
            }
        }
        return (verdicts, alerts)
    }

    enum HomeRead: Sendable {
        case verdict(String, [GapRow])
        case alerts([ReportAlert])
    }

    /// Runs independent jobs on all cores; results in the jobs' order, the first error thrown.
    static func concurrently<T: Sendable>(_ jobs: [@Sendable () throws -> T]) throws -> [T] {
        let results = Mutex<[Int: Result<T, any Error>]>([:])
        DispatchQueue.concurrentPerform(iterations: jobs.count) { i in
            let r = Result { try jobs[i]() }
            results.withLock { $0[i] = r }
        }
        return try results.withLock { r in try (0..<jobs.count).map { try r[$0]!.get() } }
    }

    static func liveSection(_ h: inout HTML, _ live: [Deployment], _ verdicts: [String: [GapRow]]) {
        if live.isEmpty {
            h.el("p", text: "Nothing is deployed yet. Promote a registered version with: tracker promote MODEL VERSION --to production")
            return
        }
        let envs = Array(Set(live.map(\.env))).sorted { ($0 == "production" ? 0 : 1, $0) < ($1 == "production" ? 0 : 1, $1) }
        for env in envs {
            h.el("h2", text: env)
            h.el("div", [Attr("class", "grid")]) { h in
                for d in live where d.env == env {
                    h.el("section", [Attr("class", "card"), Attr("aria-label", "\(d.model) in \(env)")]) { h in
                        h.el("h3") { h in
                            h.link("/models/" + URLPart.encode(d.model), d.model)
                            h.text(" v\(d.version)")
                        }
                        h.el("div", [Attr("class", "muted")], text: "live since \(Show.time(d.startedAt))")
                        let rows = verdicts[d.model + "\u{0}" + env] ?? []
                        if rows.isEmpty { h.el("div", [Attr("class", "live-env")], text: "no live data in the last 7 days") }
                        h.el("ul", [Attr("class", "verdicts")]) { h in
                            for r in rows {
                                h.el("li") { h in
                                    h.el("span", text: "\(r.metric) \(Show.value(r.live.value))")
                                    Show.verdict(&h, r.verdict)
                                }
                            }
                        }
                        let gapURL = "/gap" + URLPart.query([("model", d.model), ("env", env)])
                        h.el("div") { h in h.link(gapURL, "Live gap →") }
                    }
                }
            }
        }
    }

    static func changesTable(_ h: inout HTML, _ changes: [LedgerEntry]) {
        if changes.isEmpty {
            h.el("p", text: "No promotions or rollbacks in the last 30 days.")
            return
        }
        h.el("table", [Attr("class", "cards")]) { h in
            h.el("thead") { h in
                h.el("tr") { h in for t in ["time", "model", "environment", "change", "by", "why"] { h.el("th", text: t) } }
            }
            h.el("tbody") { h in
                for e in changes {
                    h.el("tr") { h in
                        h.el("td", [Attr("data-label", "time")], text: Show.time(e.time))
                        h.el("td", [Attr("data-label", "model")]) { h in h.link("/models/" + URLPart.encode(e.model), e.model) }
                        h.el("td", [Attr("data-label", "environment")], text: e.env)
                        h.el("td", [Attr("data-label", "change")]) { h in kind(&h, e) }
                        h.el("td", [Attr("data-label", "by")], text: e.actor)
                        h.el("td", [Attr("data-label", "why")], text: e.reason)
                    }
                }
            }
        }
    }

    /// "promote v2 → v3", with forced promotions and rollbacks marked.
    static func kind(_ h: inout HTML, _ e: LedgerEntry) {
        let label = e.kind == "force" ? "forced promote" : e.kind
        h.el("span", [Attr("class", "kind-\(e.kind)")], text: label)
        h.text(" " + (e.fromVersion.map { "v\($0)" } ?? "–") + " → v\(e.toVersion)")
    }

    static func experimentsTable(_ h: inout HTML, _ list: [ExperimentSummary]) {
        h.el("table", [Attr("class", "cards")]) { h in
            h.el("thead") { h in
                h.el("tr") { h in
                    h.el("th", text: "experiment")
                    h.el("th", [Attr("class", "n")], text: "runs")
                    h.el("th", text: "last activity")
                }
            }
            h.el("tbody") { h in
                for s in list {
                    h.el("tr") { h in
                        h.el("td", [Attr("data-label", "experiment")]) { h in h.link("/experiments/\(s.experiment.id)", s.experiment.name) }
                        h.el("td", [Attr("class", "n"), Attr("data-label", "runs")], text: String(s.runCount))
                        h.el("td", [Attr("data-label", "last activity")], text: Show.time(s.lastActivity))
                    }
                }
            }
        }
    }

    /// `/experiments`: every active experiment.
    static func experiments(_ c: Ctx) throws -> Response {
        let list = try c.store.ui.experimentSummaries()
        return Layout.response(
            c.page("Experiments", .experiments) { h in
                h.el("h1", text: "Experiments")
                experimentsTable(&h, list)
            })
    }
}
