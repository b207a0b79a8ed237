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

    public static func render(_ r: WeeklyReport) -> String {
        let counts = r.verdictSummary
        let doc = JSON.object([
            ("schema", .string(WeeklyReport.schema)),
            (
                "period",
                .object([
                    ("label", .string(r.period.label)), ("since", .int(r.period.since)), ("until", .int(r.period.until)),
                    ("time_zone", .string(r.period.timeZone)), ("days", .array(r.period.dayLabels.map { .string($0) })),
                ])
            ),
            ("generated_at", r.generatedAt.map { .int($0) } ?? .null),
            ("environment", .string(r.environment)),
            (
                "headline",
                .object(
                    [("models", .int(Int64(r.models.count)))]
                        + counts.map { ($0.0.rawValue.replacingOccurrences(of: " ", with: "_"), JSON.int(Int64($0.1))) }
                        + [("alerts", .int(Int64(r.alerts.count)))])
            ),
            (
                "models",
                .array(
                    r.models.map { m in
                        .object([
                            ("model", .string(m.model)), ("env", .string(m.env)),
                            ("live_version", m.liveVersion.map { .int(Int64($0)) } ?? .null),
                            ("live_since", m.liveSince.map { .int($0) } ?? .null), ("predictions", .int(Int64(m.predictions))),
                            ("coverage", num(m.coverage)),
                            (
                                "metrics",
                                .array(
                                    m.metrics.map { x in
                                        .object([
                                            ("metric", .string(x.metric)), ("offline", num(x.offline)), ("live", estimate(x.live)),
                                            ("gap", num(x.gap)),
                                            ("relative_gap", num(x.relativeGap)), ("direction", .string(x.direction.rawValue)),
                                            ("verdict", .string(x.verdict.rawValue)),
                                            ("previous", estimate(x.previous)), ("change", num(x.change)),
                                            ("daily", daily(x, r.period)),
                                        ])
                                    })
                            ),
                            (
                                "incumbent",
                                m.incumbent.map { inc in
                                    .object([
                                        ("version", .int(Int64(inc.version))), ("scope", .string(inc.scope)),
                                        ("metrics", .object(inc.estimates.map { ($0.metric, estimate($0)) })),
                                    ])
                                } ?? .null
                            ),
                            ("deployments", .array(m.deployments.map(change))),
                        ])
                    })
            ),
            ("changes", .array(r.changes.map(change))),
            (
                "alerts",
                .array(
                    r.alerts.map {
                        .object([
                            ("kind", .string($0.kind.rawValue)), ("model", .string($0.model)), ("metric", .optional($0.metric)),
                            ("message", .string($0.message)),
                        ])
                    })
            ),
            (
                "delivery",
                .object([
                    ("deployments", .int(Int64(r.delivery.deploymentsThisPeriod))),
                    ("rollbacks", .int(Int64(r.delivery.rollbacksThisPeriod))),
                    (
                        "weekly",
                        .array(r.delivery.weekly.map { .object([("week", .string($0.label)), ("deployments", .int(Int64($0.count)))]) })
                    ),
                    ("lead_time_median_days", num(r.delivery.leadTimeMedianDays)), ("lead_time_p90_days", num(r.delivery.leadTimeP90Days)),
                    ("lead_time_samples", .int(Int64(r.delivery.leadTimeSamples))), ("rollback_rate_90d", num(r.delivery.rollbackRate90d)),
                    ("deployments_90d", .int(Int64(r.delivery.deployments90d))), ("rollbacks_90d", .int(Int64(r.delivery.rollbacks90d))),
                    (
                        "never_deployed",
                        .array(
                            r.delivery.neverDeployed.map {
                                .object([
                                    ("model", .string($0.model)), ("version", .int(Int64($0.version))), ("age_days", .double($0.ageDays)),
                                ])
                            })
                    ),
                    ("days_since_last_deploy", num(r.delivery.daysSinceLastDeploy)),
                ])
            ),
        ])
        return doc.serialized(pretty: true) + "\n"
    }
}
