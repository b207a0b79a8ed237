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

    static let css = """
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
        .scroll { overflow-x: auto; }
        .worse { color: var(--bad); font-weight: 600; } .better { color: var(--good); font-weight: 600; } .within { color: var(--good); }
        .alert { border-left: 4px solid var(--bad); background: #fbeeee; padding: 6px 10px; margin: 6px 0; }
        .charts { display: grid; grid-template-columns: repeat(auto-fill, minmax(300px, 1fr)); gap: 12px; }
        figure { margin: 0; border: 1px solid var(--line); border-radius: 6px; padding: 8px; }
        figcaption { font-size: 0.9em; color: var(--muted); margin-bottom: 4px; }
        svg { width: 100%; height: auto; display: block; }
        svg text { font: 11px sans-serif; fill: var(--muted); }
        .legend { font-size: 0.85em; color: var(--muted); }
        @media print { body { max-width: none; font-size: 12px; } figure, table, .alert { break-inside: avoid; } a { color: inherit; } }
        @media (max-width: 600px) { body { padding: 8px; font-size: 14px; } th, td { padding: 3px 4px; } }
        """

    public static func render(_ r: WeeklyReport) -> String {
        let clock = ReportClock(zone: r.period.timeZone)
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

        o += "<h2>Alerts</h2>\n"
        if r.alerts.isEmpty { o += "<p>None.</p>\n" }
        for a in r.alerts { o += "<div class=\"alert\"><b>\(esc(a.kind.rawValue))</b> — \(esc(a.message))</div>\n" }

        for m in r.models {
            var title = esc(m.model)
            if let v = m.liveVersion {
                title += " — version \(v)"
                if let s = m.liveSince { title += ", live since \(clock.time(s))" }
            } else {
                title += " — not live at the end of the period"
            }
            o += "<h2>\(title)</h2>\n"
            if m.metrics.isEmpty {
                o += "<p>No live data this period.</p>\n"
                continue
            }
            o +=
                "<div class=\"scroll\"><table>\n<tr><th>metric</th><th>offline</th><th>live</th><th>95% CI</th><th>n</th><th>gap</th><th>rel. gap</th><th>verdict</th><th>vs last period</th></tr>\n"
            for x in m.metrics {
                let cls = x.verdict == .notEnoughEvidence ? "" : " class=\"\(x.verdict.rawValue)\""
                o +=
                    "<tr><td>\(esc(x.metric))</td><td class=\"n\">\(x.text(x.offline))</td><td class=\"n\">\(x.text(x.live.value))</td>"
                o +=
                    "<td>\(x.intervalText)</td><td class=\"n\">\(grouped(x.live.n))</td><td class=\"n\">\(ReportFormat.signed(x.gap))</td>"
                o +=
                    "<td class=\"n\">\(ReportFormat.percent(x.relativeGap, signed: true))</td><td\(cls)>\(x.verdict.rawValue)</td><td class=\"n\">\(ReportFormat.signed(x.change))</td></tr>\n"
            }
            o += "</table></div>\n<p class=\"legend\">Directions and intervals: \(esc(m.metrics.map(\.methodNote).joined(separator: "; "))).</p>\n"
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
            for x in m.metrics { o += metricChart(x, model: m, period: r.period, clock: clock) }
            o +=
                "</div>\n<p class=\"legend\">Daily live value (dots) with its 95% interval (band), the offline value (dashed) and deployments (vertical lines).</p>\n"
        }

        o += "<h2>Changes this period</h2>\n"
        if r.changes.isEmpty {
            o += "<p>No promotions or rollbacks.</p>\n"
        } else {
            o +=
                "<div class=\"scroll\"><table>\n<tr><th>time</th><th>model</th><th>kind</th><th>versions</th><th>actor</th><th>reason</th></tr>\n"
            for c in r.changes {
                let kind = c.kind == "force" ? "<b class=\"worse\">forced</b> promote" : esc(c.kind)
                o +=
                    "<tr><td>\(clock.time(c.time))</td><td>\(esc(c.model))</td><td>\(kind)</td><td>\(esc(c.versions))</td><td>\(esc(c.actor))</td><td>\(esc(c.reason))</td></tr>\n"
            }
            o += "</table></div>\n"
        }

        let d = r.delivery
        o += "<h2>Delivery</h2>\n<table>\n"
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
            "<tr><td>Registered versions never deployed</td><td class=\"n\">\(d.neverDeployed.count)\(never.isEmpty ? "" : ": " + never)\(d.neverDeployed.count > 10 ? ", …" : "")</td></tr>\n"
        o += "</table>\n<figure><figcaption>Deployments to \(esc(r.environment)) per week</figcaption>\n\(deliveryChart(d))</figure>\n"
        o += "</body>\n</html>\n"
        return o
    }

    /// Daily live value with CI band, offline line and deployment markers.
    static func metricChart(_ x: ReportMetric, model: ModelReport, period: ReportPeriod, clock: ReportClock) -> String {
        let w = 320.0
        let h = 170.0
        let left = 44.0
        let right = 8.0
        let top = 10.0
        let bottom = 26.0
        let days = period.dayStarts.count
        var values: [Double] = []
        for p in x.daily.compactMap({ $0 }) {
            values.append(p.value)
            if p.interval.method != "none" && p.interval.low.isFinite && p.interval.high.isFinite {
                values += [p.interval.low, p.interval.high]
            }
        }
        if let off = x.offline, off.isFinite { values.append(off) }
        var lo = values.min() ?? 0
        var hi = values.max() ?? 1
        if hi - lo < 1e-9 {
            lo -= 0.5
            hi += 0.5
        }
        let pad = (hi - lo) * 0.08
        lo -= pad
        hi += pad
        let plotW = w - left - right
        let plotH = h - top - bottom
        func px(_ i: Double) -> Double { left + (days <= 1 ? plotW / 2 : plotW * (i + 0.5) / Double(days)) }
        func py(_ v: Double) -> Double { top + plotH * (1 - (v - lo) / (hi - lo)) }
        func pt(_ t: Int64) -> Double { left + plotW * Double(t - period.since) / Double(max(1, period.until - period.since)) }
        var s =
            "<figure><figcaption>\(esc(x.metric)) — daily, \(x.direction == .higherIsBetter ? "higher" : "lower") is better</figcaption>\n"
        s += "<svg viewBox=\"0 0 \(c(w)) \(c(h))\" role=\"img\" aria-label=\"\(esc(x.metric)) daily live value\">\n"
        s += "<rect x=\"\(c(left))\" y=\"\(c(top))\" width=\"\(c(plotW))\" height=\"\(c(plotH))\" fill=\"#fafbfd\" stroke=\"#d9dde5\"/>\n"
        for k in 0...2 {
            let v = lo + (hi - lo) * Double(k) / 2
            s += "<text x=\"\(c(left - 4))\" y=\"\(c(py(v) + 4))\" text-anchor=\"end\">\(ReportFormat.value(v))</text>\n"
        }
        for (i, label) in period.dayLabels.enumerated() where days <= 8 || i % max(1, days / 7) == 0 {
            s += "<text x=\"\(c(px(Double(i))))\" y=\"\(c(h - 8))\" text-anchor=\"middle\">\(esc(String(label.suffix(5))))</text>\n"
        }
        // CI band: one polygon through the days that have an interval.
        let banded = x.daily.enumerated().compactMap { i, p -> (Int, Interval)? in
            guard let p, p.interval.method != "none", p.interval.low.isFinite, p.interval.high.isFinite else { return nil }
            return (i, p.interval)
        }
        if banded.count >= 2 {
            let upper = banded.map { "\(c(px(Double($0.0)))),\(c(py($0.1.high)))" }
            let lower = banded.reversed().map { "\(c(px(Double($0.0)))),\(c(py($0.1.low)))" }
            s += "<polygon points=\"\((upper + lower).joined(separator: " "))\" fill=\"#2f5fb333\" stroke=\"none\"/>\n"
        } else if let (i, ci) = banded.first {
            s +=
                "<line x1=\"\(c(px(Double(i))))\" x2=\"\(c(px(Double(i))))\" y1=\"\(c(py(ci.low)))\" y2=\"\(c(py(ci.high)))\" stroke=\"#2f5fb366\" stroke-width=\"6\"/>\n"
        }
        if let off = x.offline, off.isFinite {
            s +=
                "<line x1=\"\(c(left))\" x2=\"\(c(left + plotW))\" y1=\"\(c(py(off)))\" y2=\"\(c(py(off)))\" stroke=\"#1d2330\" stroke-dasharray=\"5 4\"/>\n"
            s +=
                "<text x=\"\(c(left + plotW - 2))\" y=\"\(c(py(off) - 4))\" text-anchor=\"end\">offline \(ReportFormat.value(off))</text>\n"
        }
        for dep in model.deployments {
            let xx = pt(dep.time)
            s +=
                "<line x1=\"\(c(xx))\" x2=\"\(c(xx))\" y1=\"\(c(top))\" y2=\"\(c(top + plotH))\" stroke=\"\(dep.kind == "rollback" ? "#b3261e" : "#1e7b34")\" stroke-width=\"1.5\"/>\n"
            s += "<text x=\"\(c(xx + 3))\" y=\"\(c(top + 11))\">\(dep.kind == "rollback" ? "↩" : "▲") v\(dep.toVersion)</text>\n"
        }
        let pts = x.daily.enumerated().compactMap { i, p in p.map { (i, $0.value) } }
        if pts.count >= 2 {
            s +=
                "<polyline points=\"\(pts.map { "\(c(px(Double($0.0)))),\(c(py($0.1)))" }.joined(separator: " "))\" fill=\"none\" stroke=\"#2f5fb3\" stroke-width=\"2\"/>\n"
        }
        for (i, v) in pts { s += "<circle cx=\"\(c(px(Double(i))))\" cy=\"\(c(py(v)))\" r=\"3\" fill=\"#2f5fb3\"/>\n" }
        if pts.isEmpty {
            s += "<text x=\"\(c(left + plotW / 2))\" y=\"\(c(top + plotH / 2))\" text-anchor=\"middle\">no daily data</text>\n"
        }
        s += "</svg></figure>\n"
        return s
    }

    /// Bars of deployments per week.
    static func deliveryChart(_ d: DeliveryFigures) -> String {
        let w = 640.0
        let h = 150.0
        let left = 28.0
        let bottom = 24.0
        let top = 10.0
        let maxCount = max(1, d.weekly.map(\.count).max() ?? 1)
        let n = max(1, d.weekly.count)
        let slot = (w - left - 8) / Double(n)
        var s = "<svg viewBox=\"0 0 \(c(w)) \(c(h))\" role=\"img\" aria-label=\"deployments per week\">\n"
        s += "<line x1=\"\(c(left))\" x2=\"\(c(w - 8))\" y1=\"\(c(h - bottom))\" y2=\"\(c(h - bottom))\" stroke=\"#d9dde5\"/>\n"
        s += "<text x=\"\(c(left - 4))\" y=\"\(c(top + 8))\" text-anchor=\"end\">\(maxCount)</text>\n"
        for (i, wk) in d.weekly.enumerated() {
            let bh = (h - top - bottom) * Double(wk.count) / Double(maxCount)
            let x = left + slot * Double(i) + slot * 0.15
            s +=
                "<rect x=\"\(c(x))\" y=\"\(c(h - bottom - bh))\" width=\"\(c(slot * 0.7))\" height=\"\(c(bh))\" fill=\"#2f5fb3\"><title>\(esc(wk.label)): \(wk.count)</title></rect>\n"
            s += "<text x=\"\(c(x + slot * 0.35))\" y=\"\(c(h - 8))\" text-anchor=\"middle\">\(esc(String(wk.label.suffix(3))))</text>\n"
            if wk.count > 0 {
                s += "<text x=\"\(c(x + slot * 0.35))\" y=\"\(c(h - bottom - bh - 3))\" text-anchor=\"middle\">\(wk.count)</text>\n"
            }
        }
        s += "</svg>\n"
        return s
    }
}
