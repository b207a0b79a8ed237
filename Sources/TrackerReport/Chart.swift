import Foundation
import TrackerCore

// The one chart renderer of the report and the web UI: values in, inline SVG out. Pure (no
// clock, POSIX number formats), deterministic, every text escaped. Text is 11 user units high;
// the SVG scales with its container (`svg { width: 100%; height: auto }`), so charts of the same
// `width` show text of the same size. Axes stay inside the data's domain with round ticks, and
// no label overlaps another label or the data: a label that does not fit is moved or dropped
// (the legend carries series names and a reference label that found no room).
//
//     var chart = LineChart(x: .time(since: a, until: b, zone: "UTC"), domain: .of(metric: "accuracy"))
//     chart.series = [ChartSeries(name: "live", points: pts)]
//     chart.reference = ChartReference(value: 0.93, label: "offline 0.93")
//     chart.markers = [ChartMarker(x: Double(t), label: "▲ v2")]
//     html += chart.svg()

// MARK: - Values

/// One (x, y) point; x is a step, a number, or epoch milliseconds on a time axis.
public struct ChartPoint: Sendable, Equatable {
    public var x: Double
    public var y: Double
    public init(x: Double, y: Double) { (self.x, self.y) = (x, y) }
}

/// A named series drawn as a line, dots, or both.
public struct ChartSeries: Sendable, Equatable {
    public var name: String
    public var points: [ChartPoint]
    public var line: Bool
    public var dots: Bool
    /// A CSS colour; nil takes the next colour of the palette.
    public var color: String?
    public init(name: String, points: [ChartPoint], line: Bool = true, dots: Bool = true, color: String? = nil) {
        (self.name, self.points, self.line, self.dots, self.color) = (name, points, line, dots, color)
    }
}

/// An interval at one x (a confidence band is drawn through consecutive ones).
public struct ChartInterval: Sendable, Equatable {
    public var x: Double
    public var low: Double
    public var high: Double
    public init(x: Double, low: Double, high: Double) { (self.x, self.low, self.high) = (x, low, high) }
}

/// A horizontal dashed line across the plot (e.g. the offline value) and its label.
public struct ChartReference: Sendable, Equatable {
    public var value: Double
    public var label: String
    public init(value: Double, label: String) { (self.value, self.label) = (value, label) }
}

/// A vertical line at x (e.g. a deployment); markers within one pixel column merge into one
/// line labelled with their count ("3 deployments"), each one named in its tooltip.
public struct ChartMarker: Sendable, Equatable {
    public var x: Double
    public var label: String
    /// Tooltip text; defaults to the label.
    public var detail: String?
    public var color: String?
    public init(x: Double, label: String, detail: String? = nil, color: String? = nil) {
        (self.x, self.label, self.detail, self.color) = (x, label, detail, color)
    }
}

/// The x axis: plain numbers (steps) or time (epoch ms) with day/hour ticks in a time zone.
public enum ChartXAxis: Sendable, Equatable {
    /// Numbers; the range defaults to the data's.
    case numeric(range: ClosedRange<Double>? = nil)
    /// Epoch milliseconds from `since` to `until`, ticks at local midnights (or hours) of `zone`.
    case time(since: Int64, until: Int64, zone: String)
}

let chartPalette = ["#2f5fb3", "#c0562b", "#1e7b34", "#7b3fa0", "#5b6475"]
let chartMuted = "#5b6475"

// MARK: - Line chart

/// Lines/dots over a numeric or time x axis, with an optional interval band, reference line and
/// vertical markers; `svg()` draws it.
public struct LineChart: Sendable, Equatable {
    public var x: ChartXAxis
    /// The y axis never leaves this domain (unless the data does).
    public var domain: ChartDomain
    public var width: Double
    public var height: Double
    public var series: [ChartSeries] = []
    public var band: [ChartInterval] = []
    public var reference: ChartReference?
    public var markers: [ChartMarker] = []
    /// Singular and plural noun of merged markers ("3 deployments").
    public var markerNoun: (String, String) = ("marker", "markers")
    /// The SVG's accessible name.
    public var title: String = "chart"
    /// Shown mid-plot when no series has a point.
    public var emptyText = "no data"

    public init(x: ChartXAxis, domain: ChartDomain = .free, width: Double = 320, height: Double = 180) {
        (self.x, self.domain, self.width, self.height) = (x, domain, width, height)
    }

    public static func == (a: LineChart, b: LineChart) -> Bool { a.svg() == b.svg() }

    /// The chart as an inline `<svg>` element (no scripts, no external references).
    public func svg() -> String {
        let first = LineChartLayout(self, referenceInLegend: false)
        if first.referencePlaced || reference == nil { return first.svg }
        return LineChartLayout(self, referenceInLegend: true).svg
    }
}

// MARK: - Bar chart

/// Labelled bars (e.g. deployments per week) with round integer or decimal ticks from zero and
/// each bar's value above it; `svg()` draws it.
public struct BarChart: Sendable, Equatable {
    public var bars: [(label: String, value: Double)]
    public var width: Double
    public var height: Double
    /// Whole-number ticks (counts).
    public var integer: Bool
    public var color: String = chartPalette[0]
    public var title: String = "chart"

    public init(bars: [(label: String, value: Double)], integer: Bool = true, width: Double = 320, height: Double = 180) {
        (self.bars, self.integer, self.width, self.height) = (bars, integer, width, height)
    }

    public static func == (a: BarChart, b: BarChart) -> Bool { a.svg() == b.svg() }

    /// The chart as an inline `<svg>` element.
    public func svg() -> String {
        let c = ChartText.c
        let esc = ChartText.esc
        let values = bars.map(\.value).filter(\.isFinite)
        let top = 18.0
        let bottom = 23.0
        let scale = NiceScale(
            covering: 0, Swift.max(values.max() ?? 1, integer ? 1 : 0), maxTicks: Swift.max(2, Int((height - top - bottom) / 28)),
            domain: .nonNegative, integer: integer)
        let left = ceil((scale.ticks.map { ChartText.width(scale.label($0)) }.max() ?? 10) + 8)
        let plot = Box(x: left, y: top, w: width - left - 6, h: height - top - bottom)
        func py(_ v: Double) -> Double { plot.y + plot.h * (1 - (v - scale.lo) / Swift.max(1e-12, scale.hi - scale.lo)) }
        var layout = LabelLayout(bounds: Box(x: 0, y: 0, w: width, h: height))
        var s = svgOpen(width: width, height: height, title: title)
        s += axisGrid(scale: scale, plot: plot, py: py, layout: &layout)
        let slot = plot.w / Double(Swift.max(1, bars.count))
        for (i, bar) in bars.enumerated() {
            let v = bar.value.isFinite ? Swift.max(0, bar.value) : 0
            let x = plot.x + slot * Double(i) + slot * 0.15
            let y = py(v)
            s += "<rect x=\"\(c(x))\" y=\"\(c(y))\" width=\"\(c(slot * 0.7))\" height=\"\(c(plot.y + plot.h - y))\" fill=\"\(esc(color))\">"
            s += "<title>\(esc(bar.label)): \(esc(scale.integerLabel(bar.value)))</title></rect>\n"
            layout.taken.append(Box(x: x, y: y, w: slot * 0.7, h: plot.y + plot.h - y))
        }
        // Right to left: when labels must be dropped, the latest category keeps its label.
        for (i, bar) in bars.enumerated().reversed() {
            let mid = plot.x + slot * (Double(i) + 0.5)
            if bar.value.isFinite && bar.value > 0, let p = layout.place(scale.integerLabel(bar.value), [(mid, py(bar.value) - 4.5, "middle")]) {
                s += svgText(scale.integerLabel(bar.value), p, cls: "value")
            }
            if let p = layout.place(bar.label, [(mid, plot.y + plot.h + 18, "middle")]) { s += svgText(bar.label, p, cls: "x-tick") }
        }
        return s + "</svg>\n"
    }
}

extension NiceScale {
    /// A bar's value: whole numbers without decimals, others with 4 significant digits.
    func integerLabel(_ v: Double) -> String { v == v.rounded() && abs(v) < 1e15 ? String(Int64(v)) : ReportFormat.value(v) }
}

// MARK: - Shared SVG pieces

func svgOpen(width: Double, height: Double, title: String) -> String {
    let c = ChartText.c
    return "<svg viewBox=\"0 0 \(c(width)) \(c(height))\" width=\"\(c(width))\" height=\"\(c(height))\" role=\"img\" "
        + "aria-label=\"\(ChartText.esc(title))\" font-family=\"sans-serif\" font-size=\"\(Int(ChartText.fontSize))\">\n"
}

/// A `<text>` at a placed position.
func svgText(_ s: String, _ p: (x: Double, y: Double, anchor: String), cls: String, fill: String = chartMuted) -> String {
    let anchor = p.anchor == "start" ? "" : " text-anchor=\"\(p.anchor)\""
    return "<text class=\"\(cls)\" x=\"\(ChartText.c(p.x))\" y=\"\(ChartText.c(p.y))\"\(anchor) fill=\"\(ChartText.esc(fill))\">"
        + "\(ChartText.esc(s))</text>\n"
}

/// Horizontal gridlines and y tick labels (left of the plot), and the plot frame.
func axisGrid(scale: NiceScale, plot: Box, py: (Double) -> Double, layout: inout LabelLayout) -> String {
    let c = ChartText.c
    var s = "<rect x=\"\(c(plot.x))\" y=\"\(c(plot.y))\" width=\"\(c(plot.w))\" height=\"\(c(plot.h))\" fill=\"#fafbfd\" stroke=\"#d9dde5\"/>\n"
    for v in scale.ticks {
        let y = py(v)
        s += "<line x1=\"\(c(plot.x))\" x2=\"\(c(plot.x + plot.w))\" y1=\"\(c(y))\" y2=\"\(c(y))\" stroke=\"#e8ebf0\"/>\n"
        if let p = layout.place(scale.label(v), [(plot.x - 4, y + 3.5, "end")]) { s += svgText(scale.label(v), p, cls: "y-tick") }
    }
    return s
}
