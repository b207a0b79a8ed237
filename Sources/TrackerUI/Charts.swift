import Foundation
import TrackerCore
import TrackerReport
import TrackerStore

/// One line of a chart: a name and its points (x is a step or a time in ms).
struct LineSeries {
    let name: String
    let points: [(x: Double, y: Double)]
}

/// The UI's chart call sites: every chart is drawn by TrackerReport's one renderer
/// (`LineChart`); this file only adapts the UI's values to it.
enum Charts {
    /// Series colours, the same as the legend swatches `.s0`…`.s9` in the stylesheet.
    static let palette = ["#2f5fb3", "#d9822b", "#1e7b34", "#b3261e", "#7b4fb3", "#1b8a8a", "#8a5a00", "#c2185b", "#546e7a", "#6d8f00"]

    /// Lines over steps (run page, compare page); dots only for short series.
    static func lines(_ series: [LineSeries], title: String, xLabel: String) -> String? {
        var chart = LineChart(x: .numeric(), domain: .of(metric: title), width: 480, height: 220)
        chart.title = "\(title) over \(xLabel)s"
        chart.series = series.enumerated().map { i, s in
            ChartSeries(
                name: s.name, points: s.points.map { ChartPoint(x: $0.x, y: $0.y) }, line: s.points.count > 1, dots: s.points.count <= 60,
                color: palette[i % palette.count])
        }
        return chart.svg()
    }

    /// A daily live metric with its 95% band, the offline line and deployment markers (gap page).
    static func daily(_ metric: ReportMetric, model: ModelReport, period: ReportPeriod) -> String? {
        var chart = LineChart(x: .time(since: period.since, until: period.until, zone: period.timeZone), domain: .of(metric: metric.metric))
        chart.title = "\(metric.metric) daily live value"
        chart.emptyText = "no daily data"
        chart.markerNoun = ("deployment", "deployments")
        var points: [ChartPoint] = []
        for (i, p) in metric.daily.enumerated() {
            guard let p, i < period.dayStarts.count else { continue }
            let end = i + 1 < period.dayStarts.count ? period.dayStarts[i + 1] : period.until
            let x = Double(period.dayStarts[i] + end) / 2
            points.append(ChartPoint(x: x, y: p.value))
            if p.interval.method != "none" && p.interval.low.isFinite && p.interval.high.isFinite {
                chart.band.append(ChartInterval(x: x, low: p.interval.low, high: p.interval.high))
            }
        }
        chart.series = [ChartSeries(name: "live", points: points)]
        if let off = metric.offline, off.isFinite {
            chart.reference = ChartReference(value: off, label: "offline \(ReportFormat.value(off))")
        }
        chart.markers = model.deployments.map { dep in
            let rollback = dep.kind == "rollback"
            return ChartMarker(
                x: Double(dep.time), label: "\(rollback ? "↩" : "▲") v\(dep.toVersion)",
                detail: "\(Show.time(dep.time)) \(dep.kind) v\(dep.toVersion) by \(dep.actor)", color: rollback ? "#b3261e" : "#1e7b34")
        }
        return chart.svg()
    }

    /// A chart in its figure: the SVG when there is one, else a note with the data's size.
    static func figure(_ h: inout HTML, caption: String, svg: String?, points: Int, attrs: [Attr] = []) {
        h.el("figure", [Attr("class", "chart")] + attrs) { h in
            h.el("figcaption", text: caption)
            if let svg {
                h.trusted(svgFromRenderer: svg)
            } else {
                h.el("p", [Attr("class", "muted chart-pending")], text: "\(points) points")
            }
        }
    }

    /// Exponential moving average with MLflow's debiasing (weight 0 = no smoothing).
    static func smooth(_ points: [(x: Double, y: Double)], weight: Double) -> [(x: Double, y: Double)] {
        guard weight > 0 else { return points }
        var last = 0.0
        var n = 0
        return points.map { p in
            n += 1
            last = last * weight + (1 - weight) * p.y
            return (p.x, last / (1 - pow(weight, Double(n))))
        }
    }
}
