import Foundation

/// A plain text table: a header row and aligned columns, two spaces apart.
public func table(_ header: [String], _ rows: [[String]]) -> String {
    var widths = header.map { $0.count }
    for r in rows { for (i, c) in r.enumerated() where i < widths.count { widths[i] = max(widths[i], c.count) } }
    func line(_ cells: [String]) -> String {
        var s = ""
        for (i, c) in cells.enumerated() {
            s += i == cells.count - 1 ? c : c.padding(toLength: widths[i], withPad: " ", startingAt: 0) + "  "
        }
        return s
    }
    return ([line(header)] + rows.map(line)).joined(separator: "\n")
}

/// A metric value for tables: up to 6 significant digits; NaN and infinities by name.
public func formatValue(_ v: Double) -> String {
    if v.isNaN { return "NaN" }
    if v.isInfinite { return v > 0 ? "Infinity" : "-Infinity" }
    if v == v.rounded() && abs(v) < 1e15 { return String(Int64(v)) }
    return String(format: "%.6g", v)
}
