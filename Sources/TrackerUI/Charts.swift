import Foundation
import TrackerCore
import TrackerReport
import TrackerStore

/// One line of a chart: a name and its points (x is a step or a time in ms).
struct LineSeries {
    let name: String
    let points: [(x: Double, y: Double)]
}

/// The UI's chart call sites. Every chart is drawn by TrackerReport's one renderer; this file
/// only adapts the UI's values to it. Until that renderer is on main, `svg` returns nil and the
/// page shows the chart's caption and point count instead.
enum Charts {
    /// Lines over steps (run page, compare page).
    static func lines(_ series: [LineSeries], title: String, xLabel: String) -> String? {
        // CHART: multi-series lines over step — call TrackerReport's chart renderer here.
        nil
    }

    /// A daily live metric with its 95% band, the offline line and deployment markers (gap page).
    static func daily(_ metric: ReportMetric, model: ModelReport, period: ReportPeriod) -> String? {
        // CHART: daily series with interval band, reference line and deployment markers — call
        // TrackerReport's chart renderer here.
        nil
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
