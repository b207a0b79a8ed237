import Foundation

/// An axis-aligned box in SVG user units.
struct Box: Equatable {
    var x: Double
    var y: Double
    var w: Double
    var h: Double

    func intersects(_ o: Box) -> Bool { x < o.x + o.w && o.x < x + w && y < o.y + o.h && o.y < y + h }
    func inside(_ o: Box) -> Bool { x >= o.x && y >= o.y && x + w <= o.x + o.w && y + h <= o.y + o.h }
}

/// Text measured without a browser: DejaVu Sans advance widths (the widest common sans, and
/// the one headless Chromium uses on Debian), so an estimate is never narrower than the text.
enum ChartText {
    static let fontSize = 11.0
    /// Ascent and descent of the font box around the baseline, as a fraction of the size.
    static let ascent = 0.93
    static let descent = 0.24

    static func width(_ s: String, size: Double = fontSize) -> Double {
        var em = 0.0
        for u in s.unicodeScalars {
            switch u {
            case "0"..."9": em += 0.637
            case " ", ".", ",", ":", ";", "!", "'", "|": em += 0.32
            case "i", "j", "l": em += 0.28
            case "f", "t", "r", "(", ")", "[", "]", "-": em += 0.42
            case "m", "w": em += 0.98
            case "M", "W", "%": em += 1.0
            case "A"..."Z", "+", "=", "<", ">", "#", "&": em += 0.84
            case "a"..."z", "_", "/": em += 0.64
            default: em += u.isASCII ? 0.7 : 1.0
            }
        }
        return em * size
    }

    /// The box of a text drawn at (x, baseline) with an anchor ("start", "middle", "end").
    static func box(_ s: String, x: Double, baseline: Double, anchor: String, size: Double = fontSize) -> Box {
        let w = width(s, size: size)
        let left = anchor == "middle" ? x - w / 2 : anchor == "end" ? x - w : x
        return Box(x: left, y: baseline - ascent * size, w: w, h: (ascent + descent) * size)
    }

    /// Text escaped for SVG/HTML character data and attribute values.
    static func esc(_ s: String) -> String {
        var o = ""
        for ch in s {
            switch ch {
            case "&": o += "&amp;"
            case "<": o += "&lt;"
            case ">": o += "&gt;"
            case "\"": o += "&quot;"
            case "'": o += "&#39;"
            default: o.append(ch)
            }
        }
        return o
    }

    /// SVG coordinates with two decimals, fixed POSIX format.
    static func c(_ v: Double) -> String {
        let s = String(format: "%.2f", v)
        return s == "-0.00" ? "0.00" : s
    }
}

/// Places labels so that none overlaps another label or a data obstacle: each label tries its
/// candidate positions in order and is dropped when none fits.
struct LabelLayout {
    /// Where text may go (the SVG).
    let bounds: Box
    /// Data (points, line segments) and already placed text.
    var taken: [Box] = []
    /// Data a label avoids when it can (an interval band), but may cover when nothing else fits.
    var soft: [Box] = []
    /// Extra space kept around each label.
    let gap = 1.5

    init(bounds: Box) { self.bounds = bounds }

    func fits(_ b: Box, within: Box, avoidSoft: Bool) -> Bool {
        let padded = Box(x: b.x - gap, y: b.y - gap, w: b.w + 2 * gap, h: b.h + 2 * gap)
        return b.inside(bounds) && b.inside(within) && !taken.contains { $0.intersects(padded) }
            && !(avoidSoft && soft.contains { $0.intersects(padded) })
    }

    /// The first candidate (x, baseline, anchor) where `text` fits, now taken; nil when none does.
    /// With `within`, the label must also stay inside that box; soft obstacles are avoided first.
    mutating func place(
        _ text: String, _ candidates: [(x: Double, y: Double, anchor: String)], within: Box? = nil
    ) -> (x: Double, y: Double, anchor: String)? {
        for avoidSoft in [true, false] {
            for cand in candidates {
                let b = ChartText.box(text, x: cand.x, baseline: cand.y, anchor: cand.anchor)
                if fits(b, within: within ?? bounds, avoidSoft: avoidSoft) {
                    taken.append(b)
                    return cand
                }
            }
        }
        return nil
    }

    /// Marks a polyline as data: one box per segment, split so that a diagonal stays thin.
    mutating func addPolyline(_ pts: [(Double, Double)], width: Double) {
        for (a, b) in zip(pts, pts.dropFirst()) {
            let pieces = max(1, Int((hypot(b.0 - a.0, b.1 - a.1) / 6).rounded(.up)))
            for k in 0..<pieces {
                let t0 = Double(k) / Double(pieces)
                let t1 = Double(k + 1) / Double(pieces)
                let x0 = a.0 + (b.0 - a.0) * t0
                let x1 = a.0 + (b.0 - a.0) * t1
                let y0 = a.1 + (b.1 - a.1) * t0
                let y1 = a.1 + (b.1 - a.1) * t1
                taken.append(
                    Box(x: min(x0, x1) - width / 2, y: min(y0, y1) - width / 2, w: abs(x1 - x0) + width, h: abs(y1 - y0) + width))
            }
        }
    }
}
