import TrackerCore

/// Delivery figures of the weekly report: deployment counts, lead time, rollback rate, versions
/// never deployed.
public enum DeliveryAnalysis {
    static let day = 86_400_000.0

    /// The figures up to the period's end. `ledger`: the environment's entries before the period's
    /// end in time order; `registered`: every reported model's versions (version, creation time);
    /// `runStart`: the start time of the run a version came from (nil: registered without a run).
    public static func figures(
        ledger: [LedgerEntry], _ o: ReportOptions, calendar: ReportCalendar,
        registered: [(model: String, versions: [(version: Int, creationTime: Int64)])],
        runStart: (_ model: String, _ version: Int) throws -> Int64?
    ) throws -> DeliveryFigures {
        let p = o.period
        let deploys = ledger.filter { $0.kind != "rollback" }
        let rollbacks = ledger.filter { $0.kind == "rollback" }
        let inPeriod = { (e: LedgerEntry) in e.time >= p.since && e.time < p.until }
        let weekly = try weekly(deploys, o, calendar: calendar)
        let leads = try leadTimes(deploys, until: p.until, runStart: runStart)
        let since90 = p.until - 90 * 86_400_000
        let d90 = deploys.filter { $0.time >= since90 }.count
        let r90 = rollbacks.filter { $0.time >= since90 }.count
        return DeliveryFigures(
            deploymentsThisPeriod: deploys.filter(inPeriod).count, rollbacksThisPeriod: rollbacks.filter(inPeriod).count,
            weekly: weekly,
            leadTimeMedianDays: percentile(leads, 0.5), leadTimeP90Days: percentile(leads, 0.9), leadTimeSamples: leads.count,
            rollbackRate90d: d90 > 0 ? Double(r90) / Double(d90) : nil, deployments90d: d90, rollbacks90d: r90,
            neverDeployed: neverDeployed(ledger, registered: registered, until: p.until),
            daysSinceLastDeploy: deploys.last.map { Double(p.until - $0.time) / day })
    }

    /// Deployments per week for the weeks ending with the period's last week.
    static func weekly(_ deploys: [LedgerEntry], _ o: ReportOptions, calendar: ReportCalendar) throws -> [(label: String, count: Int)] {
        // Walk back week by week in the calendar (weeks across a DST change are not 7 × 24 h).
        var weekly: [(label: String, count: Int)] = []
        var label = calendar.weekLabel(o.period.until - 1)
        for _ in 0..<o.deliveryWeeks {
            let w = try calendar.week(label)
            weekly.insert((label, deploys.filter { $0.time >= w.since && $0.time < w.until }.count), at: 0)
            label = calendar.weekLabel(w.since - 1)
        }
        return weekly
    }

    /// Lead time in days: run start → first deployment to this environment, for versions first
    /// deployed in the last 90 days.
    static func leadTimes(_ deploys: [LedgerEntry], until: Int64, runStart: (String, Int) throws -> Int64?) throws -> [Double] {
        let since90 = until - 90 * 86_400_000
        var first: [String: (model: String, version: Int, time: Int64)] = [:]
        for e in deploys {
            let key = "\(e.model)\u{0}\(e.toVersion)"
            if first[key] == nil { first[key] = (e.model, e.toVersion, e.time) }
        }
        var leads: [Double] = []
        for f in first.values where f.time >= since90 {
            if let start = try runStart(f.model, f.version) { leads.append(Double(f.time - start) / day) }
        }
        return leads
    }

    /// Versions created before `until` and never deployed to this environment, oldest first.
    static func neverDeployed(
        _ ledger: [LedgerEntry], registered: [(model: String, versions: [(version: Int, creationTime: Int64)])], until: Int64
    ) -> [(model: String, version: Int, ageDays: Double)] {
        var never: [(model: String, version: Int, ageDays: Double)] = []
        for m in registered {
            let deployed = Set(ledger.filter { $0.model == m.model }.map(\.toVersion))
            for v in m.versions where v.creationTime < until && !deployed.contains(v.version) {
                never.append((m.model, v.version, Double(until - v.creationTime) / day))
            }
        }
        never.sort { $0.ageDays != $1.ageDays ? $0.ageDays > $1.ageDays : ($0.model, $0.version) < ($1.model, $1.version) }
        return never
    }
}
