import Foundation

/// Fixed, locale-free number formatting for reports (golden files depend on it).
public enum ReportFormat {
    /// 4 significant digits in plain decimals (`-0.00001324`, `1234567`); exponent notation
    /// only beyond everyday magnitudes (below 1e-9 or from 1e15 on).
    public static func value(_ v: Double) -> String {
        if v.isNaN { return "NaN" }
        if v.isInfinite { return v > 0 ? "Infinity" : "-Infinity" }
        if v == 0 { return "0" }
        let a = abs(v)
        if a >= 1e15 || a < 1e-9 { return String(format: "%.3e", v) }
        let digits = max(0, 3 - Int(floor(log10(a))))
        var s = String(format: "%.\(digits)f", v)
        if s.contains(".") {
            while s.hasSuffix("0") { s.removeLast() }
            if s.hasSuffix(".") { s.removeLast() }
        }
        return s == "-0" ? "0" : s
    }

    public static func optional(_ v: Double?) -> String { v.map(value) ?? "–" }

    public static func signed(_ v: Double?) -> String {
        guard let v else { return "–" }
        return (v > 0 ? "+" : "") + value(v)
    }

    public static func percent(_ v: Double?, signed: Bool = false) -> String {
        guard let v, v.isFinite else { return "–" }
        return String(format: signed ? "%+.1f%%" : "%.1f%%", v * 100)
    }

    public static func interval(_ i: Interval) -> String {
        i.method == "none" ? "–" : "[\(value(i.low)), \(value(i.high))]"
    }

    public static func days(_ d: Double?) -> String {
        guard let d else { return "–" }
        return String(format: "%.1f d", d)
    }
}
