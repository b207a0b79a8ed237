import ArgumentParser
import Foundation
import TrackerCore
import TrackerReport
import TrackerStore

/// Report output formats.
enum ReportFormatOption: String, ExpressibleByArgument, CaseIterable {
    case md, html, json
}

struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report", abstract: "The production-vs-offline report: Markdown, self-contained HTML with charts, or JSON.",
        discussion: """
            Covers the last complete ISO week (Monday to Monday, in --tz) unless
            --week or --since/--until say otherwise. The same data gives byte-identical
            output; a "generated" time appears only with --now. With
            --fail-on-alert, exits 4 when an alert fires (after writing the report).
            Examples:
              tracker report --weekly
              tracker report --week 2026-W47 --format html --out report.html \\
                --tz Europe/Paris
              tracker report --since 2026-11-01 --until 2026-11-15 --format json \\
                --model churn
            """)
    @OptionGroup var options: DBOptions
    @Flag(help: "The last complete ISO week (the default).") var weekly = false
    @Option(help: "An ISO week, e.g. 2026-W47.") var week: String?
    @Option(help: "Start of a custom range (ISO-8601 or epoch ms).") var since: String?
    @Option(help: "End of a custom range, exclusive.") var until: String?
    @Option(help: "md, html or json.") var format: ReportFormatOption = .md
    @Option(help: "Write to this file instead of stdout.") var out: String?
    @Option(help: "Time zone for week boundaries, days and times (IANA name).") var tz = "UTC"
    @Option(help: "Environment the report is about.") var env = "production"
    @Option(name: .customLong("model"), help: "Only this model (repeatable).") var models: [String] = []
    @Option(help: "Reference time for --weekly, printed as the generation time.") var now: String?
    @Flag(name: .customLong("fail-on-alert"), help: "Exit 4 when any alert fires.") var failOnAlert = false

    func validate() throws {
        let ranges = [weekly, week != nil, since != nil || until != nil].filter { $0 }.count
        if ranges > 1 { throw ValidationError("use one of --weekly, --week, or --since/--until") }
        if (since == nil) != (until == nil) { throw ValidationError("--since and --until go together") }
        // Values checkable without the database are usage errors (exit 2), not bad data.
        let calendar = try usage { try ReportCalendar(zone: tz) }
        if let week { _ = try usage { try calendar.period(week: week) } }
        for (flag, value) in [("--since", since), ("--until", until), ("--now", now)] { _ = try parseTime(flag, value) }
        if let since, let until, let s = try? TimeParser.parse(since), let u = try? TimeParser.parse(until), s >= u {
            throw ValidationError("--since must be before --until")
        }
    }

    func run() throws {
        let calendar = try ReportCalendar(zone: tz)
        let nowMs = try now.map { try TimeParser.parse($0) }
        var o = ReportOptions(period: try period(calendar, now: nowMs))
        o.env = env
        o.models = models
        o.now = nowMs
        let store = try options.open()
        let report = try store.weeklyReport(o, calendar: calendar)
        try write(report)
        try noteUnknownEnvironment(store)
        if failOnAlert && !report.alerts.isEmpty {
            printError("\(report.alerts.count) alert\(report.alerts.count == 1 ? "" : "s") fired")
            throw ExitCode(4)
        }
    }

    /// --week, else --since/--until, else the last complete week before now.
    func period(_ calendar: ReportCalendar, now nowMs: Int64?) throws -> ReportPeriod {
        if let week { return try calendar.period(week: week) }
        if let since, let until {
            let s = try TimeParser.parse(since)
            let u = try TimeParser.parse(until)
            if s >= u { throw TrackerError.invalid("--since must be before --until") }
            return calendar.period(since: s, until: u)
        }
        return try calendar.period(week: calendar.lastCompleteWeek(now: nowMs ?? TimeParser.nowMillis()).label)
    }

    /// Renders in --format to --out (atomically, noting the path on stderr) or to stdout.
    func write(_ report: WeeklyReport) throws {
        let text: String
        switch format {
        case .md: text = MarkdownRenderer.render(report)
        case .html: text = HTMLRenderer.render(report)
        case .json: text = JSONRenderer.render(report)
        }
        guard let out else {
            FileHandle.standardOutput.write(Data(text.utf8))
            return
        }
        do {
            try Data(text.utf8).write(to: URL(fileURLWithPath: out), options: .atomic)
        } catch {
            throw TrackerError(.storage, "cannot write the report to \(out): \(error.localizedDescription)")
        }
        printError("wrote \(absolutePath(out)) (\(report.alerts.count) alert\(report.alerts.count == 1 ? "" : "s"))")
    }

    /// The note `gap` prints when nothing (of --model) was ever deployed to --env: an empty
    /// report for a typo'd environment must not look like a quiet week.
    func noteUnknownEnvironment(_ store: Store) throws {
        for model in models.isEmpty ? [nil] : models.map(Optional.some) {
            let known = try store.deployments.environments(model: model)
            if known.contains(env) { continue }
            let subject = model.map { "\($0) was never" } ?? "nothing was ever"
            printError(
                "note: \(subject) deployed to '\(env)'; environments: \(known.isEmpty ? "none yet" : known.joined(separator: ", "))")
        }
    }
}
