import ArgumentParser
import Foundation
import TrackerCore
import TrackerReport
import TrackerStore

struct LiveCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "live", abstract: "Record what production reports: aggregated windows, predictions, outcomes.",
        subcommands: [LiveRecord.self, LiveIngest.self, LiveConfig.self])
}

/// Prints a live ingestion summary to stderr.
func printLiveSummary(_ s: LiveIngestSummary) {
    printError(
        "stored \(s.stored), replaced \(s.replaced), duplicate \(s.duplicate), rejected \(s.rejected) (joined \(s.joined) outcomes; \(s.unattributed) unattributed)"
    )
}

struct LiveRecord: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "record", abstract: "Record one aggregated window of a live metric (a resend of the same window replaces it).",
        discussion: """
            Without --std or --sum-sq, a value between 0 and 1 is taken as a proportion of 0/1
            outcomes (e.g. accuracy over COUNT requests). Without --start/--end the window is the
            current hour. Without --version, the version live in ENV at --start is used.
            Example: tracker live record churn --env production --metric accuracy --value 0.87 --count 1200 --start 2026-11-23T10:00:00Z --end 2026-11-23T11:00:00Z
            """)
    @OptionGroup var options: DBOptions
    @Argument(help: "Model name.") var name: String
    @Option(help: "Environment.") var env: String
    @Option(help: "Metric name.") var metric: String
    @Option(help: "Mean over the window.") var value: Double
    @Option(help: "Number of observations.") var count: Int64
    @Option(help: "Sample standard deviation.") var std: Double?
    @Option(name: .customLong("sum-sq"), help: "Sum of squares of the observations.") var sumSq: Double?
    @Option(help: "Version (default: the one live at --start).") var version: Int?
    @Option(help: "Window start (ISO-8601 or epoch ms).") var start: String?
    @Option(help: "Window end.") var end: String?

    func validate() throws {
        if std != nil && sumSq != nil { throw ValidationError("give --std or --sum-sq, not both") }
        if (start == nil) != (end == nil) { throw ValidationError("give both --start and --end, or neither (the current hour)") }
    }

    func run() throws {
        let now = TimeParser.nowMillis()
        let s = try start.map { try TimeParser.parse($0) } ?? (now / 3_600_000 * 3_600_000)
        let e = try end.map { try TimeParser.parse($0) } ?? (s + 3_600_000)
        let w = try LiveWindowInput.from(
            model: name, env: env, metric: metric, version: version, start: s, end: e, mean: value, count: count, std: std, sumSq: sumSq)
        let store = try options.open()
        let summary = try store.writeLive([.window(w)], lines: [1], source: "command line")
        print(summary.replaced > 0 ? "replaced window" : "recorded window", "\(TimeParser.format(s))–\(TimeParser.format(e))")
        if summary.unattributed > 0 {
            printError("note: no version of \(name) was live in \(env) at \(TimeParser.format(s)); kept as unattributed")
        }
    }
}

struct LiveIngest: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ingest", abstract: "Ingest live events: JSON Lines (windows, predictions, outcomes) or CSV windows with a header.",
        discussion: """
            Lines go in batches of 10,000; each batch is atomic. A bad line rejects its batch (reported
            as FILE:LINE: reason) and ingestion goes on with the next batch; the exit status is 1 if
            any batch was rejected. Re-sending data never double-counts: windows replace, prediction
            and outcome ids are kept once.
            Example: tracker live ingest production-2026-11-23.jsonl
            """)
    @OptionGroup var options: DBOptions
    @Argument(help: "File, or - for stdin.") var file = "-"
    @Option(help: "jsonl or csv (default: by the file's first character).") var format: String?
    @Option(name: .customLong("batch-size"), help: "Lines per transaction.") var batchSize = 10_000
    @Flag(help: "Print 'committed N' to stderr after each batch is durable.") var progress = false

    func validate() throws {
        if let format, !["jsonl", "csv"].contains(format) { throw ValidationError("--format must be jsonl or csv") }
        if batchSize < 1 { throw ValidationError("--batch-size must be at least 1") }
    }

    func run() throws {
        let store = try options.open()
        let fd = file == "-" ? 0 : open(file, O_RDONLY)
        if fd < 0 { throw TrackerError.notFound("cannot open \(file): \(String(cString: strerror(errno)))") }
        defer { if fd != 0 { close(fd) } }
        let ingester = LiveIngester(
            store: store, source: file, batchSize: batchSize,
            format: format.map { $0 == "csv" ? .csv : .jsonl } ?? (file.hasSuffix(".csv") ? .csv : nil))
        if progress { ingester.onCommit = { printError("committed \($0.stored + $0.replaced + $0.duplicate)") } }
        let summary = try ingester.ingest(fd: fd)
        for e in ingester.errors.prefix(20) { printError("error: \(e)") }
        if ingester.errors.count > 20 { printError("… and \(ingester.errors.count - 20) more rejected batches") }
        printLiveSummary(summary)
        if !ingester.errors.isEmpty { throw ExitCode(1) }
    }
}

struct LiveConfig: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config", abstract: "Show or set a model's live settings (the positive label).",
        discussion: "Example: tracker live config churn --positive-label churned")
    @OptionGroup var options: DBOptions
    @Argument(help: "Model name.") var name: String
    @Option(name: .customLong("positive-label"), help: "Label counted as positive for precision, recall, F1, AUC, log loss.") var positive: String?

    func run() throws {
        let store = try options.open()
        if let positive { try store.setPositiveLabel(model: name, label: positive) }
        print("\(name): positive label '\(try store.positiveLabel(model: name))'")
    }
}

struct GapCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gap", abstract: "Offline vs live, per version and metric, with 95% intervals and a verdict.",
        discussion: """
            Intervals: Wilson for proportions (accuracy, precision, recall, windows of 0/1 outcomes),
            t (n ≤ 100) or normal from sufficient statistics for means, Hanley–McNeil for ROC AUC.
            Verdict: within (interval inside offline ± tolerance), worse / better (interval entirely
            on one side of offline), else not enough evidence (or n below --min-n).
            Default window: the last 7 days.
            Example: tracker gap churn --env production --since 2026-11-16 --until 2026-11-23
            """)
    @OptionGroup var options: DBOptions
    @Argument(help: "Model name.") var name: String
    @Option(help: "Environment.") var env = "production"
    @Option(help: "Start (ISO-8601 or epoch ms; default 7 days before --until).") var since: String?
    @Option(help: "End, exclusive (default now).") var until: String?
    @Option(help: "Only this version.") var version: Int?
    @Option(name: .customLong("min-n"), help: "Fewer observations than this: not enough evidence.") var minN = 30
    @Option(help: "Relative tolerance for 'within' (0.02 = ±2% of offline).") var tolerance = 0.02
    @Option(name: .customLong("lower-is-better"), help: "Treat this metric as lower-is-better (repeatable).") var lower: [String] = []
    @Option(name: .customLong("higher-is-better"), help: "Treat this metric as higher-is-better (repeatable).") var higher: [String] = []
    @Option(name: .customLong("positive-label"), help: "Positive label (default: the model's setting).") var positive: String?
    @Flag(help: "Print JSON.") var json = false

    func run() throws {
        let u = try until.map { try TimeParser.parse($0) } ?? TimeParser.nowMillis()
        let s = try since.map { try TimeParser.parse($0) } ?? (u - 7 * 86_400_000)
        if s >= u { throw TrackerError.invalid("--since must be before --until") }
        var o = GapOptions(since: s, until: u)
        o.version = version
        o.minN = minN
        o.tolerance = tolerance
        o.positiveLabel = positive
        for m in lower { o.directions[m] = .lowerIsBetter }
        for m in higher { o.directions[m] = .higherIsBetter }
        let store = try options.open()
        let report = try store.gap(model: name, env: env, options: o)
        if report.versions.isEmpty && report.unattributed == nil {
            let known = try store.environments(model: name)
            if !known.contains(env) {
                printError("note: \(name) was never deployed to '\(env)'; environments: \(known.isEmpty ? "none yet" : known.joined(separator: ", "))")
            }
        }
        if json { printJSON(report.json) } else { print(report.text, terminator: "") }
    }
}
