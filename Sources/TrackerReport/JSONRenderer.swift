import TrackerCore

/// The report as JSON, schema `tracker.report/1` (documented in the README): every number the
/// other formats show, unrounded.
public enum JSONRenderer {
    static func num(_ d: Double?) -> JSON { d.map { .double($0) } ?? .null }

    static func interval(_ i: Interval) -> JSON {
        i.method == "none" ? .null : .object([("low", .double(i.low)), ("high", .double(i.high)), ("method", .string(i.method))])
    }

    static func estimate(_ e: LiveEstimate?) -> JSON {
        guard let e else { return .null }
        return .object([
            ("value", .double(e.value)), ("n", .int(Int64(e.n))), ("ci95", interval(e.interval)), ("source", .string(e.source)),
        ])
    }

    /// One entry per day of the period, each with its local date and start (epoch ms); a day
    /// without data has a null value, n 0 and no interval.
    static func daily(_ x: ReportMetric, _ p: ReportPeriod) -> JSON {
        .array(
            x.daily.enumerated().map { i, e in
                let day: [(String, JSON)] = [
                    ("day", i < p.dayLabels.count ? .string(p.dayLabels[i]) : .null),
                    ("start", i < p.dayStarts.count ? .int(p.dayStarts[i]) : .null),
                ]
                guard let e else { return .object(day + [("value", .null), ("n", .int(0)), ("ci95", .null), ("source", .null)]) }
                return .object(
                    day + [("value", .double(e.value)), ("n", .int(Int64(e.n))), ("ci95", interval(e.interval)), ("source", .string(e.source))])
            })
    }

    static func change(_ c: ReportChange) -> JSON {
        .object([
            ("time", .int(c.time)), ("model", .string(c.model)), ("env", .string(c.env)), ("kind", .string(c.kind)),
            ("from_version", c.fromVersion.map { .int(Int64($0)) } ?? .null), ("to_version", .int(Int64(c.toVersion))),
            ("actor", .string(c.actor)),
            ("reason", .string(c.reason)),
        ])
    }

    /// The whole report, pretty-printed, with a trailing newline.
    public static func render(_ r: WeeklyReport) -> String {
        let doc = JSON.object([
            ("schema", .string(WeeklyReport.schema)),
            ("period", period(r.period)),
            ("generated_at", r.generatedAt.map { .int($0) } ?? .null),
            ("environment", .string(r.environment)),
            ("headline", headline(r)),
            ("models", .array(r.models.map { model($0, r.period) })),
            ("changes", .array(r.changes.map(change))),
            ("alerts", .array(r.alerts.map(alert))),
            ("delivery", delivery(r.delivery)),
        ])
        return doc.serialized(pretty: true) + "\n"
    }

    static func period(_ p: ReportPeriod) -> JSON {
        .object([
            ("label", .string(p.label)), ("since", .int(p.since)), ("until", .int(p.until)),
            ("time_zone", .string(p.timeZone)), ("days", .array(p.dayLabels.map { .string($0) })),
        ])
    }

    /// The model count, one count per verdict (spaces as underscores) and the alert count.
    static func headline(_ r: WeeklyReport) -> JSON {
        .object(
            [("models", .int(Int64(r.models.count)))]
                + r.verdictSummary.map { ($0.0.rawValue.replacingOccurrences(of: " ", with: "_"), JSON.int(Int64($0.1))) }
                + [("alerts", .int(Int64(r.alerts.count)))])
    }

    static func model(_ m: ModelReport, _ p: ReportPeriod) -> JSON {
        .object([
            ("model", .string(m.model)), ("env", .string(m.env)),
            ("live_version", m.liveVersion.map { .int(Int64($0)) } ?? .null),
            ("live_since", m.liveSince.map { .int($0) } ?? .null), ("predictions", .int(Int64(m.predictions))),
            ("coverage", num(m.coverage)),
            ("metrics", .array(m.metrics.map { metric($0, p) })),
            ("incumbent", incumbent(m.incumbent)),
            ("deployments", .array(m.deployments.map(change))),
        ])
    }

    static func metric(_ x: ReportMetric, _ p: ReportPeriod) -> JSON {
        .object([
            ("metric", .string(x.metric)), ("offline", num(x.offline)), ("live", estimate(x.live)),
            ("gap", num(x.gap)),
            ("relative_gap", num(x.relativeGap)), ("direction", .string(x.direction.rawValue)),
            ("direction_source", .string(x.directionSource.rawValue)),
            ("method", .string(x.live.interval.method)),
            ("verdict", .string(x.verdict.rawValue)),
            ("previous", estimate(x.previous)), ("change", num(x.change)),
            ("daily", daily(x, p)),
        ])
    }

    static func incumbent(_ inc: IncumbentFigures?) -> JSON {
        guard let inc else { return .null }
        return .object([
            ("version", .int(Int64(inc.version))), ("scope", .string(inc.scope)),
            ("metrics", .object(inc.estimates.map { ($0.metric, estimate($0)) })),
        ])
    }

    static func alert(_ a: ReportAlert) -> JSON {
        .object([
            ("kind", .string(a.kind.rawValue)), ("model", .string(a.model)), ("metric", .optional(a.metric)),
            ("message", .string(a.message)),
        ])
    }

    static func delivery(_ d: DeliveryFigures) -> JSON {
        .object([
            ("deployments", .int(Int64(d.deploymentsThisPeriod))),
            ("rollbacks", .int(Int64(d.rollbacksThisPeriod))),
            ("weekly", .array(d.weekly.map { .object([("week", .string($0.label)), ("deployments", .int(Int64($0.count)))]) })),
            ("lead_time_median_days", num(d.leadTimeMedianDays)), ("lead_time_p90_days", num(d.leadTimeP90Days)),
            ("lead_time_samples", .int(Int64(d.leadTimeSamples))), ("rollback_rate_90d", num(d.rollbackRate90d)),
            ("deployments_90d", .int(Int64(d.deployments90d))), ("rollbacks_90d", .int(Int64(d.rollbacks90d))),
            (
                "never_deployed",
                .array(
                    d.neverDeployed.map {
                        .object([("model", .string($0.model)), ("version", .int(Int64($0.version))), ("age_days", .double($0.ageDays))])
                    })
            ),
            ("days_since_last_deploy", num(d.daysSinceLastDeploy)),
        ])
    }
}
