import Foundation
import Testing

@testable import TrackerCore
@testable import TrackerReport
@testable import TrackerStore

// MARK: - Reading the SVG back

/// A `<text>` of a rendered chart with its estimated box.
struct SVGText {
    let cls: String
    let text: String
    let box: Box
}

func unescape(_ s: String) -> String {
    s.replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">").replacingOccurrences(of: "&quot;", with: "\"")
        .replacingOccurrences(of: "&#39;", with: "'").replacingOccurrences(of: "&amp;", with: "&")
}

func svgTexts(_ svg: String) -> [SVGText] {
    matches(#"<text class="([^"]*)" x="([-0-9.]+)" y="([-0-9.]+)"(?: text-anchor="(\w+)")? fill="[^"]*">(.*?)</text>"#, svg).map { m in
        let text = unescape(m[5])
        let anchor = m[4].isEmpty ? "start" : m[4]
        return SVGText(cls: m[1], text: text, box: ChartText.box(text, x: Double(m[2])!, baseline: Double(m[3])!, anchor: anchor))
    }
}

func svgCircles(_ svg: String) -> [Box] {
    matches(#"<circle cx="([-0-9.]+)" cy="([-0-9.]+)" r="3""#, svg).map { Box(x: Double($0[1])! - 3, y: Double($0[2])! - 3, w: 6, h: 6) }
}

/// x of each marker line (drawn 1.5 wide with a tooltip).
func svgMarkers(_ svg: String) -> [(x: Double, tip: String)] {
    matches(#"<line x1="([-0-9.]+)" x2="[-0-9.]+" y1="[-0-9.]+" y2="[-0-9.]+" stroke="[^"]*" stroke-width="1.5"><title>(.*?)</title>"#, svg)
        .map { (Double($0[1])!, unescape($0[2])) }
}

/// Every pair of texts that overlap, and every text on a dot or outside the SVG.
func collisions(_ svg: String, width: Double, height: Double) -> [String] {
    let texts = svgTexts(svg)
    var out: [String] = []
    for (i, a) in texts.enumerated() {
        for b in texts[(i + 1)...] where a.box.intersects(b.box) { out.append("«\(a.text)» overlaps «\(b.text)»") }
        if svgCircles(svg).contains(where: { $0.intersects(a.box) }) { out.append("«\(a.text)» lies on a dot") }
        if !a.box.inside(Box(x: 0, y: 0, w: width, h: height)) { out.append("«\(a.text)» is clipped") }
    }
    return out
}

let chartWeek = (since: t("2026-11-16T00:00:00Z"), until: t("2026-11-23T00:00:00Z"))

/// The issue's chart: daily accuracy just under 1 with the offline value among the dots, and
/// three deployments within seconds.
func crowdedChart() -> LineChart {
    var chart = LineChart(x: .time(since: chartWeek.since, until: chartWeek.until, zone: "UTC"), domain: .of(metric: "accuracy"))
    let values = [0.975, 0.972, 0.9741, 0.9735, 0.976, 0.973, 0.9744]
    let xs = (0..<7).map { Double(chartWeek.since) + (Double($0) + 0.5) * 86_400_000 }
    chart.series = [ChartSeries(name: "live", points: zip(xs, values).map { ChartPoint(x: $0, y: $1) })]
    chart.band = zip(xs, values).map { ChartInterval(x: $0, low: $1 - 0.012, high: min(1, $1 + 0.012)) }
    chart.reference = ChartReference(value: 0.9737, label: "offline 0.9737")
    let deploy = Double(t("2026-11-18T10:00:00Z"))
    chart.markers = [0, 1_000, 2_000].map { ChartMarker(x: deploy + $0, label: "▲ v\(Int($0) / 1000 + 2)", color: "#1e7b34") }
    chart.markerNoun = ("deployment", "deployments")
    return chart
}

// MARK: - The renderer

@Suite struct ChartTests {
    @Test func ticksAreRoundAndStayInsideTheDomain() {
        let cases: [(Double, Double, ChartDomain)] = [
            (0.7574, 0.9737, .unit), (0.9, 1.0, .unit), (1.0, 1.0, .unit), (0.9737, 0.9737, .unit), (0.05, 0.41, .nonNegative),
            (0, 0, .nonNegative), (0.0003, 0.0009, .nonNegative), (-3.2, 7.9, .free), (1_200, 98_000, .nonNegative),
        ]
        for (lo, hi, domain) in cases {
            let s = NiceScale(covering: lo, hi, maxTicks: 5, domain: domain)
            #expect(s.lo <= lo && s.hi >= hi, "\(lo)…\(hi) → \(s.lo)…\(s.hi)")
            #expect(s.lo >= (domain.lower ?? -.infinity) && s.hi <= (domain.upper ?? .infinity), "\(lo)…\(hi) → \(s.lo)…\(s.hi)")
            #expect(s.ticks.count >= 2 && s.ticks.allSatisfy { $0 >= s.lo - 1e-12 && $0 <= s.hi + 1e-12 })
            let mantissa = s.step / pow(10, log10(s.step).rounded(.down))
            #expect([1, 2, 5].contains { abs(mantissa - $0) < 1e-9 }, "step \(s.step)")
            for v in s.ticks {
                let label = s.label(v)
                #expect(!label.contains("e") && abs(Double(label)! - v) < s.step / 100, "tick \(v) printed \(label)")
            }
        }
        let odd = NiceScale(covering: 0.7574, 0.9737, maxTicks: 5, domain: .unit)
        #expect(odd.ticks.map(odd.label) == ["0.7", "0.8", "0.9", "1.0"])
    }

    @Test func metricDomainsFromNames() {
        #expect(ChartDomain.of(metric: "accuracy") == .unit && ChartDomain.of(metric: "test_roc_auc") == .unit)
        #expect(ChartDomain.of(metric: "precision") == .unit && ChartDomain.of(metric: "f1") == .unit)
        #expect(ChartDomain.of(metric: "log_loss") == .nonNegative && ChartDomain.of(metric: "val_loss") == .nonNegative)
        #expect(ChartDomain.of(metric: "rmse") == .nonNegative && ChartDomain.of(metric: "revenue") == .free)
        // Data outside the domain widens it rather than being drawn off the chart.
        let s = NiceScale(covering: -0.2, 0.5, maxTicks: 5, domain: .nonNegative)
        #expect(s.lo <= -0.2)
    }

    @Test func theYAxisOfAProportionNeverPassesOne() {
        let svg = crowdedChart().svg()
        let ticks = svgTexts(svg).filter { $0.cls == "y-tick" }.map { Double($0.text)! }
        #expect(!ticks.isEmpty && ticks.allSatisfy { (0...1).contains($0) }, "\(ticks)")
    }

    @Test func labelsNeverOverlapEachOtherTheDotsOrTheEdge() {
        let chart = crowdedChart()
        let svg = chart.svg()
        #expect(collisions(svg, width: chart.width, height: chart.height) == [])
        // The offline value is still named: in the plot where there is room, else in the legend.
        #expect(svgTexts(svg).contains { $0.text == "offline 0.9737" })
        for width in [240.0, 320, 480, 640] {
            var c = chart
            c.width = width
            #expect(collisions(c.svg(), width: width, height: c.height) == [], "width \(width)")
        }
    }

    @Test func markersWithinOnePixelColumnMerge() {
        let svg = crowdedChart().svg()
        let markers = svgMarkers(svg)
        #expect(markers.count == 1)
        #expect(markers.first?.tip == "▲ v2\n▲ v3\n▲ v4")
        #expect(svgTexts(svg).filter { $0.cls == "marker" }.map(\.text) == ["3 deployments"])
        // A day apart they stay separate.
        var chart = crowdedChart()
        chart.markers[2].x += 86_400_000
        #expect(svgMarkers(chart.svg()).count == 2)
    }

    @Test func textIsEscapedAndOutputIsDeterministic() {
        var chart = LineChart(x: .numeric())
        chart.title = "<script>alert(1)</script>"
        chart.series = [
            ChartSeries(name: "a<b", points: [ChartPoint(x: 0, y: 1), ChartPoint(x: 10, y: 2)]),
            ChartSeries(name: "\"q\" & 'r'", points: [ChartPoint(x: 0, y: 2), ChartPoint(x: 10, y: 1)], color: "red\"/><script>"),
        ]
        let svg = chart.svg()
        #expect(!svg.contains("<script") && svg.contains("&lt;script&gt;") && svg.contains("a&lt;b") && svg.contains("&quot;q&quot; &amp;"))
        #expect(svg == chart.svg())
        #expect(!svg.contains("http"))
    }

    @Test func numericStepAxisHasRoundTicks() {
        var chart = LineChart(x: .numeric(), domain: .nonNegative)
        chart.series = [ChartSeries(name: "loss", points: (0...97).map { ChartPoint(x: Double($0), y: 2.3 * exp(-Double($0) / 30)) })]
        let svg = chart.svg()
        let xs = svgTexts(svg).filter { $0.cls == "x-tick" }.map { Double($0.text)! }
        #expect(xs.count >= 3 && xs.allSatisfy { $0.truncatingRemainder(dividingBy: 10) == 0 }, "\(xs)")
        let ys = svgTexts(svg).filter { $0.cls == "y-tick" }.map { Double($0.text)! }
        #expect(ys.min()! >= 0, "\(ys)")
        #expect(collisions(svg, width: chart.width, height: chart.height) == [])
    }

    @Test func timeAxisNamesTheDays() {
        let svg = LineChart(x: .time(since: chartWeek.since, until: chartWeek.until, zone: "UTC")).svg()
        #expect(svgTexts(svg).filter { $0.cls == "x-tick" }.map(\.text) == ["Nov 16", "17", "18", "19", "20", "21", "22"])
        let paris = LineChart(x: .time(since: t("2026-11-15T23:00:00Z"), until: t("2026-11-22T23:00:00Z"), zone: "Europe/Paris")).svg()
        #expect(svgTexts(paris).filter { $0.cls == "x-tick" }.first?.text == "Nov 16")
    }

    /// Item 24: the value label of the tallest bar is inside the chart, in the same text size.
    @Test func barValueLabelsAreNotClipped() {
        let chart = BarChart(bars: (36...47).map { (label: "W\($0)", value: Double([0, 0, 0, 0, 1, 0, 1, 0, 0, 1, 0, 2][$0 - 36])) })
        let svg = chart.svg()
        let values = svgTexts(svg).filter { $0.cls == "value" }
        #expect(values.map(\.text).sorted() == ["1", "1", "1", "2"])
        #expect(collisions(svg, width: chart.width, height: chart.height) == [])
        #expect(svg.contains("font-size=\"11\"") && crowdedChart().svg().contains("font-size=\"11\""))
        #expect(chart.width == crowdedChart().width)
        let ticks = svgTexts(svg).filter { $0.cls == "y-tick" }.map(\.text)
        #expect(ticks == ["0", "1", "2"])
    }
}
