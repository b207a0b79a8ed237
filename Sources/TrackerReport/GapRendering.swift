import Foundation
import TrackerCore

public func fmtOpt(_ d: Double?) -> String { d.map(formatValue) ?? "-" }
public func fmtSigned(_ d: Double?) -> String {
    guard let d else { return "-" }
    return (d >= 0 ? "+" : "") + formatValue(d)
}
public func fmtPercent(_ d: Double?) -> String {
    guard let d, d.isFinite else { return "-" }
    return String(format: "%+.1f%%", d * 100)
}
public func fmtInterval(_ i: Interval) -> String {
    i.method == "none" ? "-" : "[\(formatValue(i.low)), \(formatValue(i.high))]"
}

extension Interval {
    /// `{low, high, method}`, or null without an interval.
    public var json: JSON {
        method == "none" ? .null : .object([("low", .double(low)), ("high", .double(high)), ("method", .string(method))])
    }
}

extension LiveEstimate {
    /// The estimate as JSON.
    public var json: JSON {
        .object([
            ("metric", .string(metric)), ("value", .double(value)), ("n", .int(Int64(n))), ("ci95", interval.json),
            ("source", .string(source)),
            ("coverage", coverage.map { .double($0) } ?? .null),
        ])
    }
}

extension GapRow {
    /// "lower (from the name)", "higher (configured)", "lower (option)".
    public var directionText: String {
        "\(direction.rawValue) (\(directionSource == .name ? "from the name" : directionSource.rawValue))"
    }
}

extension VersionGap {
    /// "2026-11-20T10:00:00Z – 2026-11-20T10:00:00.053Z, 2026-11-21T09:00:00Z – now".
    public var spansText: String {
        liveSpans.map { "\(TimeParser.format($0.start)) – \($0.end.map(TimeParser.format) ?? "now")" }.joined(separator: ", ")
    }
}

extension GapReport {
    /// The gap as JSON (what `tracker gap --json` and `GET /api/v1/gap` print).
    public var json: JSON {
        func version(_ v: VersionGap) -> JSON {
            .object([
                ("version", v.version.map { .int(Int64($0)) } ?? .null), ("live_since", v.liveSince.map { .int($0) } ?? .null),
                (
                    "live_intervals",
                    .array(v.liveSpans.map { .object([("start", .int($0.start)), ("end", $0.end.map { .int($0) } ?? .null)]) })
                ),
                ("predictions", .int(Int64(v.predictions))), ("labeled", .int(Int64(v.labeled))),
                ("coverage", v.coverage.map { .double($0) } ?? .null),
                ("task", v.task.map { .string($0.task.rawValue) } ?? .null),
                ("task_inferred", v.task.map { .bool($0.inferred) } ?? .null),
                ("notes", .array(v.notes.map { .string($0) })),
                ("source", .string(v.source)),
                (
                    "metrics",
                    .array(
                        v.rows.map { r in
                            .object([
                                ("metric", .string(r.metric)), ("offline", r.offline.map { .double($0) } ?? .null),
                                ("offline_source", .optional(r.offlineSource)),
                                ("live", .double(r.live.value)), ("n", .int(Int64(r.live.n))), ("ci95", r.live.interval.json),
                                ("method", .string(r.live.interval.method)),
                                ("source", .string(r.live.source)),
                                ("gap", r.gap.map { .double($0) } ?? .null), ("relative_gap", r.relativeGap.map { .double($0) } ?? .null),
                                ("direction", .string(r.direction.rawValue)), ("direction_source", .string(r.directionSource.rawValue)),
                                ("verdict", .string(r.verdict.rawValue)),
                            ])
                        })
                ),
                (
                    "incumbent",
                    v.incumbent.map {
                        .object([
                            ("version", .int(Int64($0.version))), ("scope", .string($0.scope)),
                            ("metrics", .array($0.estimates.map(\.json))),
                        ])
                    } ?? .null
                ),
            ])
        }
        return .object([
            ("model", .string(model)), ("env", .string(env)), ("since", .int(since)), ("until", .int(until)),
            ("versions", .array(versions.map(version))), ("unattributed", unattributed.map(version) ?? .null),
        ])
    }

    /// The gap as text tables: 4 significant digits, more where needed to show why a verdict
    /// differs (`VerdictDigits`).
    public var text: String {
        var out = "\(model) in \(env), \(TimeParser.format(since)) – \(TimeParser.format(until))\n"
        if versions.isEmpty && unattributed == nil { out += "no live data and no version live in this window\n" }
        for v in versions + (unattributed.map { [$0] } ?? []) {
            out += "\n"
            var head = v.version.map { "version \($0)" } ?? "unattributed (no version was live)"
            if !v.liveSpans.isEmpty { head += " (live \(v.spansText))" }
            if v.predictions > 0 {
                head += String(format: " — %d prediction%@, %.1f%% labeled", v.predictions, v.predictions == 1 ? "" : "s", (v.coverage ?? 0) * 100)
            }
            if let t = v.task { head += "; task: \(t.task.rawValue) (\(t.inferred ? "inferred from the data" : "configured"))" }
            out += head + "\n"
            if v.rows.isEmpty {
                out += "  no live data in this window\n"
            } else {
                let rows = v.rows.map { r -> [String] in
                    let f = { (x: Double) in VerdictDigits.format(x, digits: r.digits) }
                    return [
                        r.metric, r.directionText, r.offline.map(f) ?? "-", f(r.live.value),
                        r.live.interval.method == "none" ? "-" : VerdictDigits.interval(r.live.interval, digits: r.digits),
                        r.live.interval.method, String(r.live.n), r.gap.map { ($0 >= 0 ? "+" : "") + f($0) } ?? "-", fmtPercent(r.relativeGap),
                        r.verdict.rawValue,
                    ]
                }
                let header = ["METRIC", "DIRECTION", "OFFLINE", "LIVE", "95% CI", "METHOD", "N", "GAP", "REL", "VERDICT"]
                out += table(header, rows).split(separator: "\n").map { "  " + $0 }.joined(separator: "\n") + "\n"
            }
            for note in v.notes { out += "  note: \(note)\n" }
            if let inc = v.incumbent {
                out += "  incumbent version \(inc.version) (\(inc.scope)): "
                out +=
                    inc.estimates.map { "\($0.metric) \(ReportFormat.value($0.value)) \(ReportFormat.interval($0.interval)) n=\($0.n)" }
                    .joined(separator: "; ") + "\n"
            }
        }
        return out
    }
}
