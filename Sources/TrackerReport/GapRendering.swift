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

extension GapReport {
    /// The gap as JSON (what `tracker gap --json` and `GET /api/v1/gap` print).
    public var json: JSON {
        func version(_ v: VersionGap) -> JSON {
            .object([
                ("version", v.version.map { .int(Int64($0)) } ?? .null), ("live_since", v.liveSince.map { .int($0) } ?? .null),
                ("predictions", .int(Int64(v.predictions))), ("labeled", .int(Int64(v.labeled))),
                ("coverage", v.coverage.map { .double($0) } ?? .null),
                (
                    "metrics",
                    .array(
                        v.rows.map { r in
                            .object([
                                ("metric", .string(r.metric)), ("offline", r.offline.map { .double($0) } ?? .null),
                                ("offline_source", .optional(r.offlineSource)),
                                ("live", .double(r.live.value)), ("n", .int(Int64(r.live.n))), ("ci95", r.live.interval.json),
                                ("source", .string(r.live.source)),
                                ("gap", r.gap.map { .double($0) } ?? .null), ("relative_gap", r.relativeGap.map { .double($0) } ?? .null),
                                ("direction", .string(r.direction.rawValue)), ("verdict", .string(r.verdict.rawValue)),
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

    /// The gap as text tables.
    public var text: String {
        var out = "\(model) in \(env), \(TimeParser.format(since)) – \(TimeParser.format(until))\n"
        if versions.isEmpty && unattributed == nil { out += "no live data and no version live in this window\n" }
        for v in versions + (unattributed.map { [$0] } ?? []) {
            out += "\n"
            let label = v.version.map { "version \($0)" } ?? "unattributed (no version was live)"
            var head = label
            if let s = v.liveSince { head += " (live since \(TimeParser.format(s)))" }
            if v.predictions > 0 { head += String(format: " — %d predictions, %.1f%% labeled", v.predictions, (v.coverage ?? 0) * 100) }
            out += head + "\n"
            if v.rows.isEmpty {
                out += "  no live data in this window\n"
                continue
            }
            let rows = v.rows.map { r in
                [
                    r.metric, fmtOpt(r.offline), formatValue(r.live.value), fmtInterval(r.live.interval), String(r.live.n),
                    fmtSigned(r.gap),
                    fmtPercent(r.relativeGap), r.verdict.rawValue,
                ]
            }
            out +=
                table(["METRIC", "OFFLINE", "LIVE", "95% CI", "N", "GAP", "REL", "VERDICT"], rows).split(separator: "\n").map { "  " + $0 }
                .joined(
                    separator: "\n") + "\n"
            if let inc = v.incumbent {
                out += "  incumbent version \(inc.version) (\(inc.scope)): "
                out +=
                    inc.estimates.map { "\($0.metric) \(formatValue($0.value)) \(fmtInterval($0.interval)) n=\($0.n)" }.joined(
                        separator: "; ") + "\n"
            }
        }
        return out
    }
}
