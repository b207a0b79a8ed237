import Foundation
import TrackerCore

/// Times shown in a report, in its time zone: `2026-11-18 10:00`.
struct ReportClock {
    let formatter: DateFormatter

    init(zone: String) {
        formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: zone) ?? TimeZone(identifier: "UTC")!
        formatter.dateFormat = "yyyy-MM-dd HH:mm"
    }

    func time(_ ms: Int64) -> String { formatter.string(from: Date(timeIntervalSince1970: Double(ms) / 1000)) }
}

extension WeeklyReport {
    /// "3 within · 1 worse · …" pieces in a fixed order.
    var verdictSummary: [(Verdict, Int)] {
        let c = verdictCounts
        return [Verdict.within, .worse, .better, .notEnoughEvidence].map { ($0, c[$0] ?? 0) }
    }
}

extension ReportChange {
    var versions: String { (fromVersion.map { "v\($0)" } ?? "–") + " → v\(toVersion)" }
}

/// Thousands separators without a locale: 12,345.
func grouped(_ n: Int) -> String {
    let s = String(abs(n))
    var out = ""
    for (i, ch) in s.reversed().enumerated() {
        if i > 0 && i % 3 == 0 { out.append(",") }
        out.append(ch)
    }
    return (n < 0 ? "-" : "") + String(out.reversed())
}
