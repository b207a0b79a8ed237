import Foundation
import TrackerCore

/// The report as Markdown: readable in a terminal and in chat.
public enum MarkdownRenderer {
    /// The report as Markdown, sections in the order of the HTML report.
    public static func render(_ r: WeeklyReport) -> String {
        let clock = ReportClock(zone: r.period.timeZone)
        var o = header(r, clock: clock)
        o += alerts(r)
        for m in r.models { o += modelSection(m, clock: clock) }
        o += changes(r, clock: clock)
        o += delivery(r)
        return o
    }

    /// The title, the period line and the headline.
    static func header(_ r: WeeklyReport, clock: ReportClock) -> String {
        var o = "# Production vs offline — \(r.period.label)\n\n"
        o += "\(clock.time(r.period.since)) – \(clock.time(r.period.until)) (\(r.period.timeZone)) · environment: \(r.environment)"
        if let g = r.generatedAt { o += " · generated \(clock.time(g))" }
        o += "\n\n"
        let verdicts = r.verdictSummary.map { "\($0.1) \($0.0.rawValue)" }.joined(separator: " · ")
        o +=
            "**\(r.models.count) model\(r.models.count == 1 ? "" : "s") in \(r.environment)** · metrics: \(verdicts) · **\(r.alerts.count) alert\(r.alerts.count == 1 ? "" : "s")**\n\n"
        return o
    }

    static func alerts(_ r: WeeklyReport) -> String {
        var o = "## Alerts\n\n"
        if r.alerts.isEmpty { o += "None.\n\n" }
        for a in r.alerts { o += "- **\(a.kind.rawValue)** — \(a.message)\n" }
        if !r.alerts.isEmpty { o += "\n" }
        return o
    }

    /// One model's title, then its metric table, coverage and incumbent (or "no live data").
    static func modelSection(_ m: ModelReport, clock: ReportClock) -> String {
        var o = "## \(m.model)"
        if let v = m.liveVersion {
            o += " — version \(v)"
            if let s = m.liveSince { o += ", live since \(clock.time(s))" }
        } else {
            o += " — not live at the end of the period"
        }
        o += "\n\n"
        if m.metrics.isEmpty {
            o += "No live data this period.\n\n"
        } else {
            o += "| metric | offline | live | 95% CI | n | gap | rel. gap | verdict | vs last period |\n"
            o += "| --- | ---: | ---: | --- | ---: | ---: | ---: | --- | ---: |\n"
            for x in m.metrics {
                let verdict = x.verdict == .worse ? "**worse**" : x.verdict.rawValue
                o +=
                    "| \(x.metric) | \(x.text(x.offline)) | \(x.text(x.live.value)) | \(x.intervalText) | \(grouped(x.live.n)) | \(ReportFormat.signed(x.gap)) | \(ReportFormat.percent(x.relativeGap, signed: true)) | \(verdict) | \(ReportFormat.signed(x.change)) |\n"
            }
            o += "\n" + "Directions and intervals: \(m.metrics.map(\.methodNote).joined(separator: "; ")).\n\n"
            if let c = m.coverage {
                o += "Label coverage: \(ReportFormat.percent(c)) of \(grouped(m.predictions)) predictions.\n\n"
            }
            if let inc = m.incumbent {
                let figures = inc.estimates.map {
                    "\($0.metric) \(ReportFormat.value($0.value)) \(ReportFormat.interval($0.interval)), n = \(grouped($0.n))"
                }
                o += "Incumbent version \(inc.version) (\(inc.scope)): \(figures.joined(separator: "; ")).\n\n"
            }
        }
        return o
    }

    static func changes(_ r: WeeklyReport, clock: ReportClock) -> String {
        var o = "## Changes this period\n\n"
        if r.changes.isEmpty {
            o += "No promotions or rollbacks.\n\n"
        } else {
            o += "| time | model | kind | versions | actor | reason |\n| --- | --- | --- | --- | --- | --- |\n"
            for c in r.changes {
                o +=
                    "| \(clock.time(c.time)) | \(c.model) | \(c.kind == "force" ? "**forced** promote" : c.kind) | \(c.versions) | \(c.actor) | \(escape(c.reason)) |\n"
            }
            o += "\n"
        }
        return o
    }

    static func delivery(_ r: WeeklyReport) -> String {
        let d = r.delivery
        var o = "## Delivery\n\n"
        o += "- Deployments to \(r.environment) this period: \(d.deploymentsThisPeriod) (rollbacks: \(d.rollbacksThisPeriod))\n"
        o +=
            "- Lead time, run start → first \(r.environment) deployment (last 90 days): median \(ReportFormat.days(d.leadTimeMedianDays)), p90 \(ReportFormat.days(d.leadTimeP90Days)) over \(d.leadTimeSamples) version\(d.leadTimeSamples == 1 ? "" : "s")\n"
        o +=
            "- Rollback rate (last 90 days): \(ReportFormat.percent(d.rollbackRate90d)) (\(plural(d.rollbacks90d, "rollback")), \(plural(d.deployments90d, "deployment")))\n"
        o += "- Days since the last \(r.environment) deployment: \(ReportFormat.days(d.daysSinceLastDeploy))\n"
        o += "- Registered versions never deployed to \(r.environment): \(d.neverDeployed.count)"
        if !d.neverDeployed.isEmpty {
            o +=
                " — "
                + d.neverDeployed.prefix(10).map { "\($0.model) v\($0.version) (\(ReportFormat.days($0.ageDays)) old)" }.joined(
                    separator: ", ")
            if d.neverDeployed.count > 10 { o += ", …" }
        }
        o += "\n\n"
        o += "| week | " + d.weekly.map { String($0.label.suffix(3)) }.joined(separator: " | ") + " |\n"
        o += "| --- |" + String(repeating: " ---: |", count: d.weekly.count) + "\n"
        o += "| deployments | " + d.weekly.map { String($0.count) }.joined(separator: " | ") + " |\n"
        return o
    }

    static func plural(_ n: Int, _ word: String) -> String { "\(n) \(word)\(n == 1 ? "" : "s")" }

    static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "|", with: "\\|").replacingOccurrences(of: "\n", with: " ")
    }
}
