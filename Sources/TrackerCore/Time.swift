import Foundation

/// Times: parsing what users type (ISO-8601 with a zone, epoch milliseconds, `now`) and
/// formatting stored UTC milliseconds.
public enum TimeParser {
    /// Milliseconds since the epoch, now (shifted by `$TRACKER_CLOCK_OFFSET` when set).
    public static func nowMillis() -> Int64 { Int64((Date().timeIntervalSince1970 * 1000).rounded()) + clockOffset }

    /// `$TRACKER_CLOCK_OFFSET` (`-30d`, `-2h`, `90s`, `1500ms`): shifts every "now" tracker takes,
    /// so a demo or a test can replay weeks of history that end today (the example does). Real
    /// deployments leave it unset. A malformed value is reported once and ignored.
    public static let clockOffset: Int64 = {
        guard let text = ProcessInfo.processInfo.environment["TRACKER_CLOCK_OFFSET"], !text.isEmpty else { return 0 }
        if let ms = parseDuration(text) { return ms }
        FileHandle.standardError.write(
            Data("tracker: ignoring TRACKER_CLOCK_OFFSET='\(text)': use a signed duration such as -30d, -2h, 90s or 1500ms\n".utf8))
        return 0
    }()

    /// A signed duration with a unit (`ms`, `s`, `m`, `h`, `d`) in milliseconds, or nil.
    public static func parseDuration(_ text: String) -> Int64? {
        let units: [(String, Int64)] = [("ms", 1), ("s", 1000), ("m", 60_000), ("h", 3_600_000), ("d", 86_400_000)]
        for (unit, scale) in units where text.hasSuffix(unit) {
            let number = text.dropLast(unit.count)
            if let n = Int64(number), n.magnitude < Int64.max.magnitude / UInt64(scale) { return n * scale }
        }
        return nil
    }

    /// Parses `now`, epoch milliseconds (all digits), or ISO-8601 (`2026-11-23`,
    /// `2026-11-23T10:00:00Z`, `2026-11-23T10:00:00.123+01:00`). A date-time without a zone is
    /// refused: the zone decides which hour it is.
    public static func parse(_ text: String, now: Int64? = nil) throws -> Int64 {
        let s = text.trimmingCharacters(in: .whitespaces)
        if s == "now" { return now ?? nowMillis() }
        if !s.isEmpty,
            s.allSatisfy({ $0.isASCII && $0.isNumber })
                || (s.first == "-" && s.dropFirst().allSatisfy({ $0.isASCII && $0.isNumber }) && s.count > 1)
        {
            guard let v = Int64(s) else { throw TrackerError.invalid("time '\(text)' is out of range") }
            return v
        }
        if let v = parseISO(s) { return v }
        throw TrackerError.invalid(
            "cannot read time '\(text)'; use ISO-8601 with a zone (2026-11-23T10:00:00Z) or epoch milliseconds")
    }

    /// ISO-8601 date or date-time with zone; nil when malformed.
    static func parseISO(_ s: String) -> Int64? {
        let u = Array(s.utf8)
        guard u.count >= 10, let y = isoNumber(u, 0, 4), u[4] == 45, let mo = isoNumber(u, 5, 2), u[7] == 45, let d = isoNumber(u, 8, 2)
        else { return nil }
        guard (1...12).contains(mo), d >= 1, d <= daysIn(month: mo, year: y) else { return nil }
        if u.count == 10 {
            return daysFromCivil(y, mo, d) * 86_400_000
        }
        guard u[10] == 84 || u[10] == 116 || u[10] == 32 else { return nil }  // T, t or space
        var i = 11
        guard let (h, mi, sec, ms) = isoClock(u, &i) else { return nil }
        guard i < u.count else { return nil }  // zone required
        guard let offset = isoZone(u, at: i) else { return nil }
        let days = daysFromCivil(y, mo, d)
        let secs = Int64(days) * 86_400 + Int64(h * 3600 + mi * 60 + sec) - Int64(offset * 60)
        return secs * 1000 + Int64(ms)
    }

    /// The decimal number in `u[from..<from+len]`; nil if short or not all digits.
    static func isoNumber(_ u: [UInt8], _ from: Int, _ len: Int) -> Int? {
        guard from + len <= u.count else { return nil }
        var v = 0
        for k in from..<(from + len) {
            let c = u[k]
            guard c >= 48 && c <= 57 else { return nil }
            v = v * 10 + Int(c - 48)
        }
        return v
    }

    /// `hh:mm[:ss[.fff]]` at `i` (advanced past it): hours, minutes, seconds, milliseconds.
    static func isoClock(_ u: [UInt8], _ i: inout Int) -> (Int, Int, Int, Int)? {
        guard let h = isoNumber(u, i, 2), i + 2 < u.count, u[i + 2] == 58, let mi = isoNumber(u, i + 3, 2) else { return nil }
        var sec = 0
        var ms = 0
        i += 5
        if i < u.count, u[i] == 58 {
            guard let ss = isoNumber(u, i + 1, 2) else { return nil }
            sec = ss
            i += 3
            if i < u.count, u[i] == 46 || u[i] == 44 {
                i += 1
                var digits = 0
                var frac = 0
                while i < u.count, u[i] >= 48, u[i] <= 57 {
                    if digits < 3 { frac = frac * 10 + Int(u[i] - 48) }
                    digits += 1
                    i += 1
                }
                guard digits > 0 else { return nil }
                // Pad to milliseconds ("1" → 100). Found by fuzzing: with 4+ digits this range was invalid.
                if digits < 3 { for _ in digits..<3 { frac *= 10 } }
                ms = frac
            }
        }
        guard h <= 23, mi <= 59, sec <= 60 else { return nil }
        return (h, mi, sec, ms)
    }

    /// The zone ending the text at `i`: `Z`, `±hh`, `±hh:mm` or `±hhmm`, as minutes east of UTC.
    static func isoZone(_ u: [UInt8], at i: Int) -> Int? {
        if u[i] == 90 || u[i] == 122 {  // Z
            return i + 1 == u.count ? 0 : nil
        }
        guard u[i] == 43 || u[i] == 45 else { return nil }
        let sign = u[i] == 43 ? 1 : -1
        guard let oh = isoNumber(u, i + 1, 2) else { return nil }
        var om = 0
        if i + 3 == u.count {
            om = 0
        } else if i + 6 == u.count, u[i + 3] == 58, let m = isoNumber(u, i + 4, 2) {
            om = m
        } else if i + 5 == u.count, let m = isoNumber(u, i + 3, 2) {
            om = m
        } else {
            return nil
        }
        guard oh <= 23, om <= 59 else { return nil }
        return sign * (oh * 60 + om)
    }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// Days since 1970-01-01 for a proleptic Gregorian date (Howard Hinnant's algorithm).
    public static func daysFromCivil(_ y0: Int, _ m: Int, _ d: Int) -> Int64 {
        let y = m <= 2 ? y0 - 1 : y0
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return Int64(era * 146_097 + doe - 719_468)
    }

    /// (year, month, day) for days since 1970-01-01.
    public static func civilFromDays(_ z0: Int64) -> (Int, Int, Int) {
        let z = z0 + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let y = yoe + era * 400
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (Int(m <= 2 ? y + 1 : y), Int(m), Int(d))
    }

    /// `2026-11-23T10:00:00.000Z` (UTC, millisecond precision; seconds only when ms are 0).
    public static func format(_ ms: Int64) -> String {
        let days = ms >= 0 ? ms / 86_400_000 : (ms - 86_399_999) / 86_400_000
        let rem = ms - days * 86_400_000
        let (y, mo, d) = civilFromDays(days)
        let h = rem / 3_600_000
        let mi = (rem / 60_000) % 60
        let s = (rem / 1000) % 60
        let milli = rem % 1000
        let base = String(format: "%04d-%02d-%02dT%02d:%02d:%02d", y, mo, d, Int(h), Int(mi), Int(s))
        return milli == 0 ? base + "Z" : base + String(format: ".%03dZ", Int(milli))
    }

    /// `2026-11-23` (UTC).
    public static func formatDate(_ ms: Int64) -> String {
        let days = ms >= 0 ? ms / 86_400_000 : (ms - 86_399_999) / 86_400_000
        let (y, mo, d) = civilFromDays(days)
        return String(format: "%04d-%02d-%02d", y, mo, d)
    }
}
