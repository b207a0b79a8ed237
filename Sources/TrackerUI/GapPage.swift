import Foundation
import Hummingbird
import TrackerCore
import TrackerReport
import TrackerStore

extension Pages {
    /// `/gap?model=M&env=E&days=7[&until=2026-11-23]`: the table of `tracker gap` and each
    /// metric's daily chart over the chosen period.
    static func gap(_ c: Ctx) throws -> Response {
        let live = try c.store.deployments.deployments().filter { $0.endedAt == nil }
        let pairs = live.map { ($0.model, $0.env) }
        guard let model = c.q("model") ?? pairs.first(where: { $0.1 == "production" })?.0 ?? pairs.first?.0 else {
            return Layout.response(
                c.page("Live gap", .gap) { h in
                    h.el("h1", text: "Live gap")
                    h.el("p", text: "No model is deployed yet, so there is nothing live to compare with offline metrics.")
                })
        }
        let envs = try c.store.deployments.environments(model: model)
        let env = c.q("env") ?? (envs.contains("production") ? "production" : envs.first ?? "production")
        let (since, until, days) = try gapWindow(c)
        let gap = try c.store.gap(model: model, env: env, options: GapOptions(since: since, until: until))
        let cal = try ReportCalendar(zone: "UTC")
        var o = ReportOptions(period: cal.period(since: since, until: until))
        o.env = env
        o.models = [model]
        let daily = try c.store.weeklyReport(o, calendar: cal).models.first { $0.model == model }
        let html = c.page("Live gap — \(model) in \(env)", .gap) { h in
            h.el("h1", text: "Live gap — \(model) in \(env)")
            h.el("p", [Attr("class", "sub")], text: "\(Show.time(since)) – \(Show.time(until)) UTC")
            gapPicker(&h, model: model, env: env, days: days, models: Array(Set(pairs.map(\.0) + [model])).sorted(), envs: envs)
            gapTables(&h, gap)
            h.el("h2", text: "Daily")
            dailyCharts(&h, daily, period: o.period)
        }
        return Layout.response(html)
    }

    /// The period of `days=` (1–366, default 7) days ending at `until=` (default: the end of today, UTC).
    static func gapWindow(_ c: Ctx) throws -> (since: Int64, until: Int64, days: Int) {
        let days = min(366, max(1, Int(c.q("days") ?? "") ?? 7))
        let day = ProductionWindow.day
        let until: Int64
        if let u = c.q("until") {
            until = try TimeParser.parse(u)
        } else {
            until = (c.now + day - 1) / day * day  // whole UTC days, today included
        }
        return (until - Int64(days) * day, until, days)
    }

    /// Each metric's daily chart, or a note when the period has no live data.
    static func dailyCharts(_ h: inout HTML, _ daily: ModelReport?, period: ReportPeriod) {
        if let daily, !daily.metrics.isEmpty {
            h.el("div", [Attr("class", "grid")]) { h in
                for m in daily.metrics {
                    let svg = Charts.daily(m, model: daily, period: period)
                    Charts.figure(
                        &h, caption: "\(m.metric) — daily, \(m.direction == .higherIsBetter ? "higher" : "lower") is better", svg: svg,
                        points: m.daily.compactMap { $0 }.count)
                }
            }
            h.el(
                "p", [Attr("class", "muted")], text: "Daily live value with its 95% interval (band), the offline value (dashed) and deployments (markers).")
        } else {
            h.el("p", [Attr("class", "muted")], text: "No live data in this period.")
        }
    }

    static func gapPicker(_ h: inout HTML, model: String, env: String, days: Int, models: [String], envs: [String]) {
        h.el("form", [Attr("method", "get"), Attr("action", "/gap"), Attr("class", "toolbar")]) { h in
            h.el("label") { h in
                h.text("Model")
                h.el("select", [Attr("name", "model")]) { h in
                    for m in models { h.el("option", [Attr("value", m), Attr("selected", m == model ? "" : nil)], text: m) }
                }
            }
            h.el("label") { h in
                h.text("Environment")
                h.el("select", [Attr("name", "env")]) { h in
                    for e in Array(Set(envs + [env])).sorted() { h.el("option", [Attr("value", e), Attr("selected", e == env ? "" : nil)], text: e) }
                }
            }
            h.el("label") { h in
                h.text("Period")
                h.el("select", [Attr("name", "days")]) { h in
                    for d in Array(Set([1, 7, 14, 28, 90, days])).sorted() {
                        h.el("option", [Attr("value", String(d)), Attr("selected", d == days ? "" : nil)], text: d == 1 ? "last day" : "last \(d) days")
                    }
                }
            }
            h.el("button", [Attr("type", "submit")], text: "Show")
        }
    }

    /// Per version: offline, live, 95% CI, n, gap, relative gap, verdict; coverage and incumbent.
    static func gapTables(_ h: inout HTML, _ g: GapReport) {
        if g.versions.isEmpty && g.unattributed == nil {
            h.el("p", [Attr("class", "muted")], text: "No live data and no version live in this window.")
        }
        for v in g.versions + (g.unattributed.map { [$0] } ?? []) {
            var head = v.version.map { "Version \($0)" } ?? "Unattributed (no version was live)"
            if let s = v.liveSince { head += ", live since \(Show.time(s))" }
            h.el("h2", text: head)
            if v.predictions > 0 {
                h.el("p", text: "\(v.predictions) predictions, label coverage \(ReportFormat.percent(v.coverage)).")
            }
            if v.rows.isEmpty {
                h.el("p", [Attr("class", "muted")], text: "No live data in this window.")
                continue
            }
            gapTable(&h, v.rows)
            if let inc = v.incumbent {
                let figures = inc.estimates.map { "\($0.metric) \(ReportFormat.value($0.value)) \(ReportFormat.interval($0.interval)), n = \($0.n)" }
                h.el("p", text: "Incumbent version \(inc.version) (\(inc.scope)): " + figures.joined(separator: "; "))
            }
        }
    }

    /// One version's metric rows: a table on a wide screen, cards on a phone.
    static func gapTable(_ h: inout HTML, _ rows: [GapRow]) {
        h.el("table", [Attr("class", "cards gap")]) { h in
            h.el("thead") { h in
                h.el("tr") { h in
                    h.el("th", text: "metric")
                    h.el("th", text: "direction")
                    for t in ["offline", "live", "95% CI"] { h.el("th", [Attr("class", "n")], text: t) }
                    h.el("th", text: "method")
                    for t in ["n", "gap", "rel. gap"] { h.el("th", [Attr("class", "n")], text: t) }
                    h.el("th", text: "verdict")
                }
            }
            h.el("tbody") { h in
                for r in rows {
                    h.el("tr") { h in
                        // On a phone the card shows metric, verdict and live value first (CSS `order`), as the report does.
                        h.el("td", [Attr("class", "metric"), Attr("data-label", "metric")], text: r.metric)
                        h.el("td", [Attr("data-label", "direction"), Attr("data-field", "direction")], text: r.directionText)
                        h.el("td", [Attr("class", "n"), Attr("data-label", "offline")], text: ReportFormat.optional(r.offline))
                        h.el("td", [Attr("class", "n live"), Attr("data-label", "live")], text: ReportFormat.value(r.live.value))
                        h.el("td", [Attr("class", "n"), Attr("data-label", "95% CI")], text: ReportFormat.interval(r.live.interval))
                        h.el("td", [Attr("data-label", "method"), Attr("data-field", "method")], text: r.live.interval.method)
                        h.el("td", [Attr("class", "n"), Attr("data-label", "n")], text: String(r.live.n))
                        h.el("td", [Attr("class", "n"), Attr("data-label", "gap")], text: ReportFormat.signed(r.gap))
                        h.el("td", [Attr("class", "n"), Attr("data-label", "rel. gap")], text: ReportFormat.percent(r.relativeGap, signed: true))
                        h.el("td", [Attr("class", "verdict"), Attr("data-label", "verdict")]) { h in Show.verdict(&h, r.verdict) }
                    }
                }
            }
        }
    }

    /// `/reports?week=2026-W47&env=production`: the weekly report of any ISO week, the same
    /// content as `tracker report --weekly --format html`.
    static func report(_ c: Ctx) throws -> Response {
        let cal = try ReportCalendar(zone: "UTC")
        let env = c.q("env") ?? "production"
        let week: String
        if let w = c.q("week") {
            week = w.uppercased()
        } else {
            week = try cal.lastCompleteWeek(now: c.now).label
        }
        let back = (href: "/reports" + URLPart.query([("env", env == "production" ? nil : env)]), label: "Back to the latest weekly report")
        let period = try PageError.explain(heading: "No such week", back: back) { try cal.period(week: week) }
        var o = ReportOptions(period: period)
        o.env = env
        let report = try c.store.weeklyReport(o, calendar: cal)
        let full = HTMLRenderer.render(report)
        let body = full.range(of: "<body>").flatMap { start in
            full.range(of: "</body>", options: .backwards).map { String(full[start.upperBound..<$0.lowerBound]) }
        }
        let weekStart = try cal.week(week).since
        let prev = cal.weekLabel(weekStart - 1)
        let next = cal.weekLabel(weekStart + 8 * ProductionWindow.day)
        let html = c.page("Weekly report \(week)", .reports, stylesheets: [Assets.report.path]) { h in
            h.el("form", [Attr("method", "get"), Attr("action", "/reports"), Attr("class", "toolbar")]) { h in
                h.link("/reports" + URLPart.query([("week", prev), ("env", env == "production" ? nil : env)]), "← \(prev)")
                h.el("label") { h in
                    h.text("ISO week")
                    h.void("input", [Attr("type", "week"), Attr("name", "week"), Attr("value", week)])
                }
                h.el("label") { h in
                    h.text("Environment")
                    h.void("input", [Attr("type", "text"), Attr("name", "env"), Attr("value", env), Attr("size", "12")])
                }
                h.el("button", [Attr("type", "submit")], text: "Show")
                h.link("/reports" + URLPart.query([("week", next), ("env", env == "production" ? nil : env)]), "\(next) →")
            }
            h.el("div", [Attr("class", "report")]) { h in h.trusted(svgFromRenderer: body ?? "") }
        }
        return Layout.response(html)
    }
}
