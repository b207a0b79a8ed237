import Foundation

/// Week and day boundaries in a time zone, for reports.
public struct ReportCalendar: Sendable {
    public let timeZone: TimeZone
    /// The zone as the user named it (Foundation calls UTC "GMT").
    public let zoneName: String
    let calendar: Calendar

    public init(zone: String) throws {
        zoneName = zone
        guard let tz = TimeZone(identifier: zone) else {
            throw TrackerError.invalid("unknown time zone '\(zone)'; use an IANA name such as UTC, Europe/Paris or America/New_York")
        }
        timeZone = tz
        var c = Calendar(identifier: .iso8601)
        c.timeZone = tz
        c.locale = Locale(identifier: "en_US_POSIX")
        calendar = c
    }

    func ms(_ d: Date) -> Int64 { Int64((d.timeIntervalSince1970 * 1000).rounded()) }
    func date(_ ms: Int64) -> Date { Date(timeIntervalSince1970: Double(ms) / 1000) }

    /// Monday 00:00 (local) of ISO week `2026-W47`, and the next Monday.
    public func week(_ label: String) throws -> (since: Int64, until: Int64) {
        let parts = label.uppercased().split(separator: "-")
        guard parts.count == 2, let year = Int(parts[0]), parts[1].hasPrefix("W"), let week = Int(parts[1].dropFirst()) else {
            throw TrackerError.invalid("week '\(label)' must look like 2026-W47")
        }
        guard (1...53).contains(week) else {
            throw TrackerError.invalid("week '\(label)': ISO weeks are numbered 1 to 52 or 53; \(week) is out of range")
        }
        var comps = DateComponents()
        comps.yearForWeekOfYear = year
        comps.weekOfYear = week
        comps.weekday = 2  // Monday
        comps.hour = 0
        guard let start = calendar.date(from: comps), calendar.component(.weekOfYear, from: start) == week else {
            throw TrackerError.invalid("\(year) has no ISO week \(week)")
        }
        let end = calendar.date(byAdding: .day, value: 7, to: start)!
        return (ms(start), ms(end))
    }

    /// ISO week label of a time, `2026-W47`.
    public func weekLabel(_ t: Int64) -> String {
        let d = date(t)
        return String(format: "%04d-W%02d", calendar.component(.yearForWeekOfYear, from: d), calendar.component(.weekOfYear, from: d))
    }

    /// The last complete ISO week before `now`.
    public func lastCompleteWeek(now: Int64) throws -> (label: String, since: Int64, until: Int64) {
        let thisWeek = try week(weekLabel(now))
        let label = weekLabel(thisWeek.since - 1)
        let w = try week(label)
        return (label, w.since, w.until)
    }

    /// Local midnights from `since` up to `until`, and their dates.
    public func days(since: Int64, until: Int64) -> [(start: Int64, label: String)] {
        var out: [(Int64, String)] = []
        var d = calendar.startOfDay(for: date(since))
        let fmt = DateFormatter()
        fmt.calendar = calendar
        fmt.timeZone = timeZone
        fmt.locale = Locale(identifier: "en_US_POSIX")
        fmt.dateFormat = "yyyy-MM-dd"
        while ms(d) < until && out.count < 400 {
            out.append((max(ms(d), since), fmt.string(from: d)))
            d = calendar.date(byAdding: .day, value: 1, to: d)!
        }
        return out
    }

    /// The period for a week label.
    public func period(week label: String) throws -> ReportPeriod {
        let w = try week(label)
        let days = days(since: w.since, until: w.until)
        return ReportPeriod(
            label: label, since: w.since, until: w.until, timeZone: zoneName, dayStarts: days.map(\.start), dayLabels: days.map(\.label))
    }

    /// The period for an arbitrary range.
    public func period(since: Int64, until: Int64) -> ReportPeriod {
        let days = days(since: since, until: until)
        let label = "\(days.first?.label ?? "") – \(days.last?.label ?? "")"
        return ReportPeriod(
            label: label, since: since, until: until, timeZone: zoneName, dayStarts: days.map(\.start), dayLabels: days.map(\.label))
    }
}
