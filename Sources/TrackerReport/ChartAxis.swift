import Foundation
import TrackerCore

// MARK: - Domains

/// Bounds a chart's y axis never crosses (a metric's domain): `[0, 1]` for proportions and AUC,
/// `≥ 0` for losses, errors and counts. A bound the data itself crosses is widened to the data,
/// so nothing is ever drawn off the chart.
public struct ChartDomain: Sendable, Equatable {
    public var lower: Double?
    public var upper: Double?

    public init(lower: Double? = nil, upper: Double? = nil) {
        self.lower = lower
        self.upper = upper
    }

    /// `[0, 1]`: accuracy, precision, recall, F1, AUC, rates.
    public static let unit = ChartDomain(lower: 0, upper: 1)
    /// `≥ 0`: losses, errors, latencies, counts.
    public static let nonNegative = ChartDomain(lower: 0)
    /// No bound: the axis follows the data.
    public static let free = ChartDomain()

    static let proportions = [
        "accuracy", "acc", "balanced_accuracy", "precision", "recall", "f1", "f1_score", "roc_auc", "auc", "pr_auc",
        "average_precision", "specificity", "sensitivity", "ctr", "conversion_rate", "hit_rate", "coverage",
    ]

    /// The domain a metric's values live in, from its name (`test_accuracy` → unit, `val_loss` → ≥ 0).
    public static func of(metric: String) -> ChartDomain {
        let k = metric.lowercased()
        for word in proportions where k == word || k.hasSuffix("_" + word) || k.hasSuffix("." + word) || k.hasPrefix(word + "_") {
            return .unit
        }
        return MetricDirection.of(k) == .lowerIsBetter ? .nonNegative : .free
    }
}

// MARK: - Numeric scale

/// A y (or numeric x) scale with round ticks: steps of 1, 2 or 5 × 10ⁿ, ends on ticks where the
/// domain allows.
struct NiceScale: Equatable {
    var lo: Double
    var hi: Double
    var step: Double
    var ticks: [Double]

    /// Decimals that show every tick exactly (step 0.05 → 2).
    var decimals: Int { step >= 1 ? 0 : min(12, Int((-log10(step)).rounded(.up) + 1e-9)) }

    /// A tick's text: fixed decimals, no exponent, POSIX format.
    func label(_ v: Double) -> String {
        let s = String(format: "%.\(decimals)f", v)
        return s.hasPrefix("-") && Double(s) == 0 ? String(s.dropFirst()) : s
    }

    /// Covers `lo...hi` with about `maxTicks` round ticks inside `domain`.
    init(covering lo: Double, _ hi: Double, maxTicks: Int, domain: ChartDomain, integer: Bool = false) {
        var lo = lo.isFinite ? lo : 0
        var hi = hi.isFinite ? hi : 1
        if lo > hi { swap(&lo, &hi) }
        let floorBound = domain.lower.map { Swift.min($0, lo) } ?? -Double.infinity
        let ceilBound = domain.upper.map { Swift.max($0, hi) } ?? Double.infinity
        if hi - lo <= 1e-12 * Swift.max(1, abs(hi)) {
            let d = lo == 0 ? 1 : abs(lo) * 0.05
            lo -= d
            hi += d
        }
        lo = Swift.max(lo, floorBound)
        hi = Swift.min(hi, ceilBound)
        var step = NiceScale.niceStep((hi - lo) / Double(Swift.max(1, maxTicks - 1)))
        if integer { step = Swift.max(1, step.rounded(.up)) }
        self.step = step
        self.lo = Swift.max(floorBound, (lo / step + 1e-9).rounded(.down) * step)
        self.hi = Swift.min(ceilBound, (hi / step - 1e-9).rounded(.up) * step)
        let first = Int((self.lo / step - 1e-9).rounded(.up))
        let last = Int((self.hi / step + 1e-9).rounded(.down))
        ticks = first <= last ? (first...Swift.min(last, first + 50)).map { Double($0) * step } : []
    }

    /// The smallest of 1, 2, 5 × 10ⁿ that is at least `raw`.
    static func niceStep(_ raw: Double) -> Double {
        guard raw.isFinite, raw > 0 else { return 1 }
        let mag = pow(10, (log10(raw)).rounded(.down))
        for m in [1.0, 2, 5, 10] where m * mag >= raw * (1 - 1e-9) { return m * mag }
        return 10 * mag
    }
}

// MARK: - Time scale

/// Day (or hour) ticks of a time axis in a time zone, labelled `Nov 16`, `17`, … or `06:00`.
struct TimeTicks {
    /// Gridline positions (epoch ms).
    var lines: [Double]
    /// Label anchors (epoch ms) and texts; for a one-day step the label sits mid-day.
    var labels: [(x: Double, text: String)]

    static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// Ticks for `since...until` such that at most `maxLabels` labels are shown.
    init(since: Double, until: Double, zone: String, maxLabels: Int) {
        var cal = Calendar(identifier: .gregorian)
        cal.timeZone = TimeZone(identifier: zone) ?? TimeZone(identifier: "UTC")!
        cal.locale = Locale(identifier: "en_US_POSIX")
        let span = Swift.max(1, until - since)
        let maxLabels = Swift.max(2, maxLabels)
        lines = []
        labels = []
        if span <= 2 * Self.day {
            addHours(since: since, until: until, span: span, maxLabels: maxLabels, cal: cal)
        } else {
            addDays(since: since, until: until, span: span, maxLabels: maxLabels, cal: cal)
        }
    }

    static let hour = 3_600_000.0
    static let day = 24 * hour

    /// Up to two days: a tick every 1, 2, 3, 6, 12 or 24 hours, labelled `06:00`.
    mutating func addHours(since: Double, until: Double, span: Double, maxLabels: Int, cal: Calendar) {
        let hour = Self.hour
        let step = [1.0, 2, 3, 6, 12, 24].first { span / ($0 * hour) <= Double(maxLabels) } ?? 24
        var t = cal.startOfDay(for: Date(timeIntervalSince1970: since / 1000)).timeIntervalSince1970 * 1000
        while t <= until {
            if t >= since {
                lines.append(t)
                let c = cal.dateComponents([.hour, .minute], from: Date(timeIntervalSince1970: t / 1000))
                labels.append((t, String(format: "%02d:%02d", c.hour ?? 0, c.minute ?? 0)))
            }
            t += step * hour
        }
    }

    /// Longer spans: a tick every 1, 2, 7, … 364 days, labelled `Nov 16`, then `17` within the month.
    mutating func addDays(since: Double, until: Double, span: Double, maxLabels: Int, cal: Calendar) {
        let day = Self.day
        let stepDays = [1, 2, 7, 14, 28, 56, 91, 182, 364].first { span / (Double($0) * day) <= Double(maxLabels) } ?? 364
        var d = cal.startOfDay(for: Date(timeIntervalSince1970: since / 1000))
        var lastMonth = -1
        var guardCount = 0
        while d.timeIntervalSince1970 * 1000 <= until && guardCount < 1000 {
            guardCount += 1
            let t = d.timeIntervalSince1970 * 1000
            let next = cal.date(byAdding: .day, value: stepDays, to: d)!
            let c = cal.dateComponents([.month, .day], from: d)
            let month = c.month ?? 1
            let text = month != lastMonth ? "\(TimeTicks.months[month - 1]) \(c.day ?? 1)" : "\(c.day ?? 1)"
            if t >= since { lines.append(t) }
            if stepDays == 1 {
                // A day's label sits in the middle of the part of the day on the chart.
                let from = Swift.max(t, since)
                let to = Swift.min(next.timeIntervalSince1970 * 1000, until)
                if to - from >= day / 4 {
                    labels.append(((from + to) / 2, text))
                    lastMonth = month
                }
            } else if t >= since {
                labels.append((t, text))
                lastMonth = month
            }
            d = next
        }
    }
}

extension ChartXAxis {
    /// A point's x as hover text: `Nov 16 14:05` in the axis's zone on a time axis, else the
    /// number (whole numbers, such as steps, without decimals).
    func pointLabel(_ x: Double) -> String {
        switch self {
        case .numeric:
            return x == x.rounded() && abs(x) < 1e15 ? String(Int64(x)) : ReportFormat.value(x)
        case .time(_, _, let zone):
            var cal = Calendar(identifier: .gregorian)
            cal.timeZone = TimeZone(identifier: zone) ?? TimeZone(identifier: "UTC")!
            let c = cal.dateComponents([.month, .day, .hour, .minute], from: Date(timeIntervalSince1970: x / 1000))
            return "\(TimeTicks.months[(c.month ?? 1) - 1]) \(c.day ?? 1) " + String(format: "%02d:%02d", c.hour ?? 0, c.minute ?? 0)
        }
    }
}
