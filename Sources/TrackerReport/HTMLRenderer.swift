import Foundation
import TrackerCore

/// The report as one self-contained HTML page: inline CSS and inline SVG charts, no scripts,
/// no external assets. Prints well and reflows on a phone.
public enum HTMLRenderer {
    static func esc(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(
            of: ">", with: "&gt;"
        )
        .replacingOccurrences(of: "\"", with: "&quot;")
    }

    /// SVG coordinates with two decimals, fixed format.
    static func c(_ v: Double) -> String { String(format: "%.2f", v) }

    /// The report's stylesheet (the web UI serves it scoped to its report page).
    public static let css = """
        :root { --fg: #1d2330; --muted: #5b6475; --line: #d9dde5; --bad: #b3261e; --good: #1e7b34; --accent: #2f5fb3; --band: #2f5fb333; }
        * { box-sizing: border-box; }
        body { font: 15px/1.45 -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; color: var(--fg); margin: 0 auto; max-width: 980px; padding: 16px; background: #fff; }
        h1 { font-size: 1.5em; margin: 0 0 4px; } h2 { font-size: 1.2em; margin: 28px 0 8px; border-bottom: 1px solid var(--line); padding-bottom: 4px; }
        .sub { color: var(--muted); margin: 0 0 12px; }
        .headline { display: flex; flex-wrap: wrap; gap: 8px; margin: 12px 0; }
        .pill { border: 1px solid var(--line); border-radius: 999px; padding: 4px 12px; white-space: nowrap; }
        .pill.bad { border-color: var(--bad); color: var(--bad); font-weight: 600; }
        table { border-collapse: collapse; width: 100%; margin: 8px 0; font-variant-numeric: tabular-nums; }
        th, td { text-align: left; padding: 4px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
        td.n { text-align: right; } th { color: var(--muted); font-weight: 600; font-size: 0.9em; }
        .worse { color: var(--bad); font-weight: 600; } .better { color: var(--good); font-weight: 600; } .within { color: var(--good); }
        .alert { border-left: 4px solid var(--bad); background: #fbeeee; padding: 6px 10px; margin: 6px 0; }
        .charts { display: grid; grid-template-columns: repeat(auto-fill, minmax(300px, 1fr)); gap: 12px; }
        figure { margin: 0; border: 1px solid var(--line); border-radius: 6px; padding: 8px; }
        figcaption { font-size: 0.9em; color: var(--muted); margin-bottom: 4px; }
        svg { width: 100%; height: auto; display: block; }
        .legend { font-size: 0.85em; color: var(--muted); }
        @media print { body { max-width: none; font-size: 12px; } figure, table, .alert { break-inside: avoid; } a { color: inherit; } }
        @media (max-width: 600px) {
          body { padding: 8px; font-size: 14px; } th, td { padding: 3px 4px; }
          table.metrics, table.changes, table.metrics tbody, table.changes tbody { display: block; }
          table.metrics tr.head, table.changes tr.head { display: none; }
          table.metrics tr, table.changes tr { display: flex; flex-wrap: wrap; border-bottom: 1px solid var(--line); padding: 6px 0; }
          table.metrics td, table.changes td { display: block; border: 0; text-align: left; padding: 1px 10px 1px 0; }
          table.metrics td::before, table.changes td::before { content: attr(data-label) " "; color: var(--muted); font-size: 0.85em; }
          table.metrics td.metric { order: -3; width: 100%; font-weight: 600; } table.metrics td.metric::before { content: none; }
          table.metrics td.verdict { order: -2; } table.metrics td.live { order: -1; }
        }
        """

    /// The report as one self-contained HTML page (inline CSS and SVG charts).
    public static func render(_ r: WeeklyReport) -> String {
        let clock = ReportClock(zone: r.period.timeZone)
        var o = header(r, clock: clock)
        o += alerts(r)
        for m in r.models { o += modelSection(m, period: r.period, clock: clock) }
        o += changes(r, clock: clock)
        o += delivery(r)
        o += "</body>\n</html>\n"
        return o
    }

    /// The document head, the title, the period line and the headline pills.
    static func header(_ r: WeeklyReport, clock: ReportClock) -> String {
        var o = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        o += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
        o += "<title>Production vs offline — \(esc(r.period.label))</title>\n<style>\n\(css)\n</style>\n</head>\n<body>\n"
        o += "<h1>Production vs offline — \(esc(r.period.label))</h1>\n"
        var sub =
            "\(clock.time(r.period.since)) – \(clock.time(r.period.until)) (\(esc(r.period.timeZone))) · environment: \(esc(r.environment))"
        if let g = r.generatedAt { sub += " · generated \(clock.time(g))" }
        o += "<p class=\"sub\">\(sub)</p>\n<div class=\"headline\">\n"
        o += "<span class=\"pill\"><b>\(r.models.count)</b> model\(r.models.count == 1 ? "" : "s") in \(esc(r.environment))</span>\n"
        for (v, n) in r.verdictSummary {
            o += "<span class=\"pill\(v == .worse && n > 0 ? " bad" : "")\">\(n) \(v.rawValue)</span>\n"
        }
        o +=
            "<span class=\"pill\(r.alerts.isEmpty ? "" : " bad")\">\(r.alerts.count) alert\(r.alerts.count == 1 ? "" : "s")</span>\n</div>\n"
        return o
    }

    static func alerts(_ r: WeeklyReport) -> String {
        var o = "<h2>Alerts</h2>\n"
        if r.alerts.isEmpty { o += "<p>None.</p>\n" }
        for a in r.alerts { o += "<div class=\"alert\"><b>\(esc(a.kind.rawValue))</b> — \(esc(a.message))</div>\n" }
        return o
    }

    /// One model's title, metric table, coverage, incumbent and charts.
    static func modelSection(_ m: ModelReport, period: ReportPeriod, clock: ReportClock) -> String {
        var o = ""
        var title = esc(m.model)
        if let v = m.liveVersion {
            title += " — version \(v)"
            if let s = m.liveSince { title += ", live since \(clock.time(s))" }
        } else {
            title += " — not live at the end of the period"
        }
        o += "<h2>\(title)</h2>\n"
        if m.metrics.isEmpty {
            return o + "<p>No live data this period.</p>\n"
        }
        o += "<table class=\"metrics\">\n<tr class=\"head\">"
        o += metricColumns.map { "<th>\($0.1)</th>" }.joined() + "</tr>\n"
        for x in m.metrics { o += metricRow(x) }
        o += "</table>\n<p class=\"legend\">Directions and intervals: \(esc(m.metrics.map(\.methodNote).joined(separator: "; "))).</p>\n"
        if let cov = m.coverage {
            o += "<p>Label coverage: \(ReportFormat.percent(cov)) of \(grouped(m.predictions)) predictions.</p>\n"
        }
        if let inc = m.incumbent {
            let figures = inc.estimates.map {
                "\(esc($0.metric)) \(ReportFormat.value($0.value)) \(ReportFormat.interval($0.interval)), n = \(grouped($0.n))"
            }
            o += "<p>Incumbent version \(inc.version) (\(inc.scope)): \(figures.joined(separator: "; ")).</p>\n"
        }
        o += "<div class=\"charts\">\n"
        for x in m.metrics { o += metricChart(x, model: m, period: period, clock: clock) }
        o +=
            "</div>\n<p class=\"legend\">Daily live value (dots) with its 95% interval (band), the offline value (dashed) and deployments (vertical lines).</p>\n"
        return o
    }

    static func changes(_ r: WeeklyReport, clock: ReportClock) -> String {
        var o = "<h2>Changes this period</h2>\n"
        if r.changes.isEmpty {
            o += "<p>No promotions or rollbacks.</p>\n"
        } else {
            let heads = ["time", "model", "kind", "versions", "actor", "reason"]
            o += "<table class=\"changes\">\n<tr class=\"head\">" + heads.map { "<th>\($0)</th>" }.joined() + "</tr>\n"
            for c in r.changes {
                let kind = c.kind == "force" ? "<b class=\"worse\">forced</b> promote" : esc(c.kind)
                let cells = [clock.time(c.time), esc(c.model), kind, esc(c.versions), esc(c.actor), esc(c.reason)]
                o += "<tr>" + zip(heads, cells).map { "<td data-label=\"\($0)\">\($1)</td>" }.joined() + "</tr>\n"
            }
            o += "</table>\n"
        }
        return o
    }

    static func delivery(_ r: WeeklyReport) -> String {
        let d = r.delivery
        var o = "<h2>Delivery</h2>\n<table>\n"
        o +=
            "<tr><td>Deployments to \(esc(r.environment)) this period</td><td class=\"n\">\(d.deploymentsThisPeriod) (rollbacks: \(d.rollbacksThisPeriod))</td></tr>\n"
        o +=
            "<tr><td>Lead time, run start → first \(esc(r.environment)) deployment (90 d)</td><td class=\"n\">median \(ReportFormat.days(d.leadTimeMedianDays)), p90 \(ReportFormat.days(d.leadTimeP90Days)) (\(d.leadTimeSamples) versions)</td></tr>\n"
        o +=
            "<tr><td>Rollback rate (90 d)</td><td class=\"n\">\(ReportFormat.percent(d.rollbackRate90d)) (\(d.rollbacks90d) of \(d.deployments90d))</td></tr>\n"
        o += "<tr><td>Days since the last deployment</td><td class=\"n\">\(ReportFormat.days(d.daysSinceLastDeploy))</td></tr>\n"
        let never = d.neverDeployed.prefix(10).map { "\(esc($0.model)) v\($0.version) (\(ReportFormat.days($0.ageDays)))" }.joined(
            separator: ", ")
        o +=
            "<tr><td>Registered versions never deployed to \(esc(r.environment))</td><td class=\"n\">\(d.neverDeployed.count)\(never.isEmpty ? "" : ": " + never)\(d.neverDeployed.count > 10 ? ", …" : "")</td></tr>\n"
        o += "</table>\n<div class=\"charts\">\n<figure><figcaption>Deployments to \(esc(r.environment)) per week</figcaption>\n"
        o += "\(deliveryChart(d))</figure>\n</div>\n"
        return o
    }

    /// The metric table's columns: (class, header). On a phone each row becomes a card whose
    /// cells are labelled by `data-label`, with the verdict and the live value first (CSS `order`).
    static let metricColumns = [
        ("metric", "metric"), ("offline n", "offline"), ("live n", "live"), ("ci", "95% CI"), ("count n", "n"), ("gap n", "gap"),
        ("rel n", "rel. gap"), ("verdict", "verdict"), ("change n", "vs last period"),
    ]

    static func metricRow(_ x: ReportMetric) -> String {
        let cells = [
            esc(x.metric), x.text(x.offline), x.text(x.live.value), x.intervalText,
            grouped(x.live.n), ReportFormat.signed(x.gap), ReportFormat.percent(x.relativeGap, signed: true),
            "<span class=\"\(x.verdict == .notEnoughEvidence ? "none" : x.verdict.rawValue)\">\(x.verdict.rawValue)</span>",
            ReportFormat.signed(x.change),
        ]
        let tds = zip(metricColumns, cells).map { col, cell in "<td class=\"\(col.0)\" data-label=\"\(esc(col.1))\">\(cell)</td>" }
        return "<tr>" + tds.joined() + "</tr>\n"
    }

    /// Daily live value with CI band, offline line and deployment markers, on the shared chart renderer.
    static func metricChart(_ x: ReportMetric, model: ModelReport, period: ReportPeriod, clock: ReportClock) -> String {
        var chart = LineChart(
            x: .time(since: period.since, until: period.until, zone: period.timeZone), domain: .of(metric: x.metric))
        chart.title = "\(x.metric) daily live value"
        chart.emptyText = "no daily data"
        chart.markerNoun = ("deployment", "deployments")
        let positions = dayPositions(model: model, period: period)
        var points: [ChartPoint] = []
        for (i, p) in x.daily.enumerated() {
            guard let p, i < positions.count else { continue }
            points.append(ChartPoint(x: positions[i], y: p.value))
            if p.interval.method != "none" && p.interval.low.isFinite && p.interval.high.isFinite {
                chart.band.append(ChartInterval(x: positions[i], low: p.interval.low, high: p.interval.high))
            }
        }
        chart.series = [ChartSeries(name: "live", points: points)]
        if let off = x.offline, off.isFinite { chart.reference = ChartReference(value: off, label: "offline \(ReportFormat.value(off))") }
        chart.markers = model.deployments.map { dep in
            let rollback = dep.kind == "rollback"
            return ChartMarker(
                x: Double(dep.time), label: "\(rollback ? "↩" : "▲") v\(dep.toVersion)",
                detail: "\(clock.time(dep.time)) \(dep.kind) \(dep.versions) by \(dep.actor)", color: rollback ? "#b3261e" : "#1e7b34")
        }
        let direction = x.direction == .higherIsBetter ? "higher" : "lower"
        return "<figure><figcaption>\(esc(x.metric)) — daily, \(direction) is better</figcaption>\n\(chart.svg())</figure>\n"
    }

    /// Where each day's point goes on the time axis: the middle of the part of the day in which
    /// the reported version was live (so a day that began before a deployment puts its point
    /// after the deployment line, where its data came from).
    static func dayPositions(model: ModelReport, period: ReportPeriod) -> [Double] {
        let spans = liveSpans(model: model, period: period)
        return period.dayStarts.enumerated().map { i, start in
            let end = i + 1 < period.dayStarts.count ? period.dayStarts[i + 1] : period.until
            let parts = spans.compactMap { s -> (Int64, Int64)? in
                let a = max(s.0, start)
                let b = min(s.1, end)
                return a < b ? (a, b) : nil
            }
            guard let first = parts.first, let last = parts.last else { return Double(start + end) / 2 }
            return Double(first.0 + last.1) / 2
        }
    }

    /// The spans of the period during which the report's version (live at the end) was live,
    /// rebuilt from the period's deployments.
    static func liveSpans(model: ModelReport, period: ReportPeriod) -> [(Int64, Int64)] {
        guard let version = model.liveVersion else { return [(period.since, period.until)] }
        var current: Int? = model.deployments.first.map { $0.fromVersion } ?? version
        var from = period.since
        var spans: [(Int64, Int64)] = []
        for dep in model.deployments {
            if current == version && dep.time > from { spans.append((from, dep.time)) }
            current = dep.toVersion
            from = max(from, dep.time)
        }
        if current == version && from < period.until { spans.append((from, period.until)) }
        return spans
    }

    /// Deployments per week, on the shared chart renderer.
    static func deliveryChart(_ d: DeliveryFigures) -> String {
        var chart = BarChart(bars: d.weekly.map { (label: String($0.label.suffix(3)), value: Double($0.count)) })
        chart.title = "deployments per week"
        return chart.svg()
    }
}
