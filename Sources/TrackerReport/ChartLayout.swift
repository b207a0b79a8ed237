import Foundation
import TrackerCore

/// One layout pass of a `LineChart`: margins, scales, data, then labels in priority order (ticks,
/// markers, reference), each placed where it overlaps nothing or dropped.
struct LineChartLayout {
    private(set) var svg = ""
    private(set) var referencePlaced = false

    private let chart: LineChart
    private var layout: LabelLayout
    private var plot = Box(x: 0, y: 0, w: 0, h: 0)
    private var scale: NiceScale
    private var x0 = 0.0
    private var x1 = 1.0
    private var texts = ""

    init(_ chart: LineChart, referenceInLegend: Bool) {
        self.chart = chart
        layout = LabelLayout(bounds: Box(x: 0, y: 0, w: chart.width, h: chart.height))
        var legend: [LegendItem] = []
        if chart.series.count > 1 {
            for (i, s) in chart.series.enumerated() { legend.append(LegendItem(text: s.name, color: chart.color(i), dashed: false)) }
        }
        if referenceInLegend, let r = chart.reference { legend.append(LegendItem(text: r.label, color: "#1d2330", dashed: true)) }
        let rows = LegendItem.rows(legend, width: chart.width - 12)
        let top = chart.markers.isEmpty ? 8.0 : 20.0
        let bottom = 23.0 + Double(rows.count) * 15
        let plotH = Swift.max(20, chart.height - top - bottom)
        let ys = chart.yValues
        scale = NiceScale(
            covering: ys.min() ?? chart.domain.lower ?? 0, ys.max() ?? chart.domain.upper ?? 1,
            maxTicks: Swift.max(2, Swift.min(6, Int(plotH / 26))), domain: chart.domain)
        let left = ceil((scale.ticks.map { ChartText.width(scale.label($0)) }.max() ?? 10) + 8)
        plot = Box(x: left, y: top, w: Swift.max(20, chart.width - left - 10), h: plotH)
        (x0, x1) = chart.xRange
        draw(rows: rows)
    }

    private func px(_ x: Double) -> Double { plot.x + plot.w * (x - x0) / Swift.max(1e-12, x1 - x0) }
    private func py(_ y: Double) -> Double { yMap(y) }
    /// The y mapping as a value (no reference to self, so it can be passed next to `&layout`).
    private var yMap: (Double) -> Double {
        let (s, p) = (scale, plot)
        return { y in p.y + p.h * (1 - (y - s.lo) / Swift.max(1e-12, s.hi - s.lo)) }
    }
    private func onPlot(_ x: Double) -> Bool { x.isFinite && x >= x0 - 1e-9 && x <= x1 + 1e-9 }

    private mutating func draw(rows: [[LegendItem]]) {
        svg = svgOpen(width: chart.width, height: chart.height, title: chart.title)
        let (scale, plot, yMap) = (scale, plot, yMap)
        svg += axisGrid(scale: scale, plot: plot, py: yMap, layout: &layout)
        svg += xAxis()
        svg += bandAndReferenceLine()
        svg += markerLines()
        svg += seriesShapes()
        placeMarkerLabels()
        placeReferenceLabel()
        placeLegend(rows)
        if !chart.series.contains(where: { $0.points.contains { onPlot($0.x) && $0.y.isFinite } }) {
            texts += svgText(chart.emptyText, (plot.x + plot.w / 2, plot.y + plot.h / 2 + 4, "middle"), cls: "empty")
        }
        svg += texts + "</svg>\n"
    }

    // MARK: - Axes

    /// Vertical gridlines and x tick labels (dropped where they would collide).
    private mutating func xAxis() -> String {
        let c = ChartText.c
        var lines: [Double] = []
        var labels: [(x: Double, text: String)] = []
        switch chart.x {
        case .time(let since, let until, let zone):
            let t = TimeTicks(since: Double(since), until: Double(until), zone: zone, maxLabels: Int(plot.w / 30))
            (lines, labels) = (t.lines, t.labels)
        case .numeric:
            let s = NiceScale(covering: x0, x1, maxTicks: Swift.max(2, Int(plot.w / 45)), domain: ChartDomain(lower: x0, upper: x1))
            lines = s.ticks
            labels = s.ticks.map { ($0, s.label($0)) }
        }
        var out = ""
        for v in lines where onPlot(v) {
            out += "<line x1=\"\(c(px(v)))\" x2=\"\(c(px(v)))\" y1=\"\(c(plot.y))\" y2=\"\(c(plot.y + plot.h))\" stroke=\"#eef0f4\"/>\n"
        }
        for l in labels where onPlot(l.x) {
            if let p = layout.place(l.text, [(px(l.x), plot.y + plot.h + 18, "middle")]) { texts += svgText(l.text, p, cls: "x-tick") }
        }
        return out
    }

    // MARK: - Data

    private mutating func bandAndReferenceLine() -> String {
        let c = ChartText.c
        var out = ""
        let band = chart.band.filter { onPlot($0.x) && $0.low.isFinite && $0.high.isFinite }.sorted { $0.x < $1.x }
        if band.count >= 2 {
            let upper = band.map { "\(c(px($0.x))),\(c(py($0.high)))" }
            let lower = band.reversed().map { "\(c(px($0.x))),\(c(py($0.low)))" }
            out += "<polygon points=\"\((upper + lower).joined(separator: " "))\" fill=\"#2f5fb333\" stroke=\"none\"/>\n"
            for (a, b) in zip(band, band.dropFirst()) {
                let yTop = Swift.min(py(a.high), py(b.high))
                layout.soft.append(Box(x: px(a.x), y: yTop, w: px(b.x) - px(a.x), h: Swift.max(py(a.low), py(b.low)) - yTop))
            }
        } else if let b = band.first {
            let x = c(px(b.x))
            out += "<line x1=\"\(x)\" x2=\"\(x)\" y1=\"\(c(py(b.low)))\" y2=\"\(c(py(b.high)))\" stroke=\"#2f5fb366\" stroke-width=\"6\"/>\n"
            layout.soft.append(Box(x: px(b.x) - 3, y: py(b.high), w: 6, h: py(b.low) - py(b.high)))
        }
        if let r = chart.reference, r.value.isFinite {
            let y = c(py(r.value))
            out += "<line x1=\"\(c(plot.x))\" x2=\"\(c(plot.x + plot.w))\" y1=\"\(y)\" y2=\"\(y)\" stroke=\"#1d2330\" stroke-dasharray=\"5 4\">"
            out += "<title>\(ChartText.esc(r.label))</title></line>\n"
            layout.taken.append(Box(x: plot.x, y: py(r.value) - 0.5, w: plot.w, h: 1))
        }
        return out
    }

    /// Markers within one pixel column, merged.
    private var markerGroups: [(x: Double, markers: [ChartMarker])] {
        var groups: [(x: Double, markers: [ChartMarker])] = []
        for m in chart.markers.filter({ onPlot($0.x) }).sorted(by: { $0.x < $1.x }) {
            if let last = groups.last, px(m.x) - last.x < 1 {
                groups[groups.count - 1].markers.append(m)
            } else {
                groups.append((px(m.x), [m]))
            }
        }
        return groups
    }

    private mutating func markerLines() -> String {
        let c = ChartText.c
        var out = ""
        for g in markerGroups {
            let tip = g.markers.map { $0.detail ?? $0.label }.joined(separator: "\n")
            out += "<line x1=\"\(c(g.x))\" x2=\"\(c(g.x))\" y1=\"\(c(plot.y - 4))\" y2=\"\(c(plot.y + plot.h))\" "
            out += "stroke=\"\(ChartText.esc(groupColor(g.markers)))\" stroke-width=\"1.5\"><title>\(ChartText.esc(tip))</title></line>\n"
            layout.taken.append(Box(x: g.x - 1, y: plot.y - 4, w: 2, h: plot.h + 4))
        }
        return out
    }

    private func groupColor(_ ms: [ChartMarker]) -> String {
        let colors = Set(ms.map { $0.color ?? chartMuted })
        return colors.count == 1 ? colors.first! : chartMuted
    }

    private mutating func seriesShapes() -> String {
        let c = ChartText.c
        var lines = ""
        var dots = ""
        for (i, s) in chart.series.enumerated() {
            let color = ChartText.esc(chart.color(i))
            let values = s.points.filter { onPlot($0.x) && $0.y.isFinite }.sorted { $0.x < $1.x }
            let pts = values.map { (px($0.x), py($0.y)) }
            // Hover values: the x and y text of each point, in the order of the polyline's points.
            let xs = values.map { chart.x.pointLabel($0.x) }
            let ys = values.map { ReportFormat.value($0.y) }
            let name = ChartText.esc(s.name)
            if s.line && pts.count >= 2 {
                lines += "<polyline points=\"\(pts.map { "\(c($0.0)),\(c($0.1))" }.joined(separator: " "))\" fill=\"none\" "
                lines += "stroke=\"\(color)\" stroke-width=\"2\" data-series=\"\(name)\" "
                lines += "data-x=\"\(ChartText.esc(xs.joined(separator: "|")))\" data-y=\"\(ChartText.esc(ys.joined(separator: "|")))\"/>\n"
                layout.addPolyline(pts, width: 2)
            }
            if s.dots || pts.count == 1 {
                for (i, p) in pts.enumerated() {
                    let (x, y) = (ChartText.esc(xs[i]), ChartText.esc(ys[i]))
                    dots += "<circle cx=\"\(c(p.0))\" cy=\"\(c(p.1))\" r=\"3\" fill=\"\(color)\" data-series=\"\(name)\" "
                    dots += "data-x=\"\(x)\" data-y=\"\(y)\"><title>\(name) · \(x): \(y)</title></circle>\n"
                    layout.taken.append(Box(x: p.0 - 3.5, y: p.1 - 3.5, w: 7, h: 7))
                }
            }
        }
        return lines + dots
    }

    // MARK: - Labels

    private mutating func placeMarkerLabels() {
        let y = plot.y - 6
        for g in markerGroups {
            let label = g.markers.count == 1 ? g.markers[0].label : "\(g.markers.count) \(chart.markerNoun.1)"
            let color = groupColor(g.markers)
            if let p = layout.place(label, [(g.x + 3, y, "start"), (g.x - 3, y, "end"), (g.x, y, "middle")]) {
                texts += svgText(label, p, cls: "marker", fill: color == chartMuted ? chartMuted : color)
            }
        }
    }

    private mutating func placeReferenceLabel() {
        guard let r = chart.reference, r.value.isFinite else { return }
        let y = py(r.value)
        let (l, m, rt) = (plot.x + 4, plot.x + plot.w / 2, plot.x + plot.w - 4)
        var candidates: [(x: Double, y: Double, anchor: String)] = []
        for baseline in [y - 5, y + 13] {
            candidates += [(rt, baseline, "end"), (l, baseline, "start"), (m, baseline, "middle")]
        }
        if let p = layout.place(r.label, candidates, within: plot) {
            texts += svgText(r.label, p, cls: "reference", fill: "#1d2330")
            referencePlaced = true
        }
    }

    private mutating func placeLegend(_ rows: [[LegendItem]]) {
        let c = ChartText.c
        for (r, row) in rows.enumerated() {
            let baseline = plot.y + plot.h + 23 + Double(r) * 15 + 11
            var x = 6.0
            for item in row {
                let dash = item.dashed ? " stroke-dasharray=\"4 3\"" : ""
                texts += "<line x1=\"\(c(x))\" x2=\"\(c(x + 14))\" y1=\"\(c(baseline - 4))\" y2=\"\(c(baseline - 4))\" "
                texts += "stroke=\"\(ChartText.esc(item.color))\" stroke-width=\"2\"\(dash)/>\n"
                if let p = layout.place(item.text, [(x + 18, baseline, "start")]) { texts += svgText(item.text, p, cls: "key") }
                x += item.width
            }
        }
    }
}

/// A legend entry: a line swatch and a text.
struct LegendItem {
    var text: String
    var color: String
    var dashed: Bool
    var width: Double { 18 + ChartText.width(text) + 12 }

    /// Items flowed into rows no wider than `width`.
    static func rows(_ items: [LegendItem], width: Double) -> [[LegendItem]] {
        var rows: [[LegendItem]] = []
        var used = 0.0
        for item in items {
            if rows.isEmpty || used + item.width > width {
                rows.append([item])
                used = item.width
            } else {
                rows[rows.count - 1].append(item)
                used += item.width
            }
        }
        return rows
    }
}

extension LineChart {
    func color(_ i: Int) -> String { series[i].color ?? chartPalette[i % chartPalette.count] }

    /// Every y the axis must show: points, band ends, the reference.
    var yValues: [Double] {
        var ys = series.flatMap { $0.points.map(\.y) } + band.flatMap { [$0.low, $0.high] }
        if let r = reference { ys.append(r.value) }
        return ys.filter(\.isFinite)
    }

    /// The x range: the time window, the given range, or the data's.
    var xRange: (Double, Double) {
        switch x {
        case .time(let since, let until, _): return (Double(since), Double(Swift.max(until, since + 1)))
        case .numeric(let range?): return (range.lowerBound, Swift.max(range.upperBound, range.lowerBound + 1e-9))
        case .numeric(nil):
            let xs = (series.flatMap { $0.points.map(\.x) } + band.map(\.x) + markers.map(\.x)).filter(\.isFinite)
            guard let lo = xs.min(), let hi = xs.max() else { return (0, 1) }
            return hi > lo ? (lo, hi) : (lo - 1, hi + 1)
        }
    }
}
