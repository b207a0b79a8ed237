import Foundation
import Hummingbird
import TrackerCore
import TrackerStore

extension Pages {
    /// `/compare?run=A&run=B…&smooth=0.6`: 2–20 runs side by side — params with differences
    /// marked, latest metrics, and each metric's curves overlaid.
    static func compare(_ c: Ctx) throws -> Response {
        let ids = try compareIDs(c)
        let runs = try ids.map { try c.store.runs.run(id: $0) }
        let smooth = min(0.99, max(0, Double(c.q("smooth") ?? "") ?? 0))
        let metricKeys = Array(Set(runs.flatMap { $0.metrics.map(\.key) })).sorted()
        let charts = try compareCharts(c, runs, keys: metricKeys, smooth: smooth)
        let html = c.page("Compare \(runs.count) runs", .experiments) { h in
            h.el("h1", text: "Compare \(runs.count) runs")
            legend(&h, runs)
            h.el("h2", text: "Params")
            compareTable(&h, runs, keys: Array(Set(runs.flatMap { $0.params.map(\.key) })).sorted()) { run, key in
                run.params.first { $0.key == key }?.value
            }
            h.el("h2", text: "Metrics (latest)")
            compareTable(&h, runs, keys: metricKeys, numeric: true) { run, key in
                run.metrics.first { $0.key == key }.map { Show.value($0.value) }
            }
            h.el("h2", text: "Curves")
            smoothingForm(&h, ids: ids, smooth: smooth)
            legend(&h, runs)
            h.el("div", [Attr("class", "grid")]) { h in
                for (key, svg, n) in charts { Charts.figure(&h, caption: key, svg: svg, points: n) }
            }
        }
        return Layout.response(html)
    }

    /// The distinct run ids of `run=` (repeated or comma-separated); 2 to 20 of them, or a 400 page.
    static func compareIDs(_ c: Ctx) throws -> [String] {
        var ids: [String] = []
        for id in (c.query["run"] ?? []).flatMap({ $0.split(separator: ",").map(String.init) }) where !ids.contains(id) { ids.append(id) }
        if ids.count < 2 || ids.count > 20 {
            throw PageError(
                status: .badRequest, heading: "Pick 2 to 20 runs to compare",
                message: "compare needs 2 to 20 runs (got \(ids.count)); tick them in an experiment's runs table", backHref: backHref(c, ids),
                backLabel: "Back to the runs table")
        }
        return ids
    }

    /// One overlaid, smoothed chart per metric (the first 30): (key, SVG, points drawn).
    static func compareCharts(_ c: Ctx, _ runs: [Run], keys: [String], smooth: Double) throws -> [(String, String?, Int)] {
        var charts: [(String, String?, Int)] = []
        for key in keys.prefix(30) {
            var series: [LineSeries] = []
            for r in runs where r.metrics.contains(where: { $0.key == key }) {
                let pts = try c.store.ui.metricSeries(runID: r.info.runID, key: key, buckets: 250).map { (x: Double($0.step), y: $0.value) }
                series.append(LineSeries(name: r.info.name, points: Charts.smooth(pts, weight: smooth)))
            }
            charts.append((key, Charts.lines(series, title: key, xLabel: "step"), series.reduce(0) { $0 + $1.points.count }))
        }
        return charts
    }

    static func smoothingForm(_ h: inout HTML, ids: [String], smooth: Double) {
        h.el("form", [Attr("method", "get"), Attr("action", "/compare"), Attr("class", "toolbar")]) { h in
            for id in ids { h.void("input", [Attr("type", "hidden"), Attr("name", "run"), Attr("value", id)]) }
            h.el("label") { h in
                h.text("Smoothing")
                h.el("select", [Attr("name", "smooth")]) { h in
                    for (v, label) in [("0", "none"), ("0.6", "0.6"), ("0.8", "0.8"), ("0.9", "0.9"), ("0.95", "0.95")] {
                        h.el("option", [Attr("value", v), Attr("selected", abs((Double(v) ?? 0) - smooth) < 1e-9 ? "" : nil)], text: label)
                    }
                }
            }
            h.el("button", [Attr("type", "submit"), Attr("class", "secondary")], text: "Apply")
        }
    }

    /// The runs table of the first run's experiment (where the runs were ticked), else the experiments.
    static func backHref(_ c: Ctx, _ ids: [String]) -> String {
        for id in ids {
            if let run = try? c.store.runs.run(id: id) { return "/experiments/\(run.info.experimentID)" }
        }
        return "/experiments"
    }

    /// Run names with their series colours.
    static func legend(_ h: inout HTML, _ runs: [Run]) {
        h.el("div", [Attr("class", "legend")]) { h in
            for (i, r) in runs.enumerated() {
                h.el("span") { h in
                    h.el("span", [Attr("class", "swatch s\(i % 10)"), Attr("aria-hidden", "true")], text: "")
                    h.link("/runs/\(r.info.runID)", r.info.name)
                }
            }
        }
    }

    /// Keys down, runs across; rows whose values differ are marked. On a phone each key is a
    /// card listing every run's value, so no column is clipped.
    static func compareTable(_ h: inout HTML, _ runs: [Run], keys: [String], numeric: Bool = false, _ value: (Run, String) -> String?) {
        if keys.isEmpty {
            h.el("p", [Attr("class", "muted")], text: "None.")
            return
        }
        h.el("div", [Attr("class", "scroll")]) { h in
            h.el("table", [Attr("class", "cards compare")]) { h in
                h.el("thead") { h in
                    h.el("tr") { h in
                        h.el("th", [Attr("scope", "col")], text: "key")
                        for r in runs { h.el("th", [Attr("scope", "col"), Attr("class", numeric ? "n" : nil)], text: r.info.name) }
                    }
                }
                h.el("tbody") { h in
                    for key in keys {
                        let values = runs.map { value($0, key) }
                        let differs = Set(values.map { $0 ?? "\u{0}" }).count > 1
                        h.el("tr", [Attr("class", differs ? "diff" : nil)]) { h in
                            h.el("th", [Attr("scope", "row")]) { h in
                                h.text(key)
                                if differs { h.el("span", [Attr("class", "vh")], text: " (differs)") }
                            }
                            for (r, v) in zip(runs, values) {
                                h.el("td", [Attr("class", numeric ? "n" : nil), Attr("data-label", r.info.name)], text: v ?? "–")
                            }
                        }
                    }
                }
            }
        }
    }
}
