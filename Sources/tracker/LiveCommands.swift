import ArgumentParser
import Foundation
import TrackerCore
import TrackerReport
import TrackerStore

struct LiveCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "live", abstract: "Record what production reports: aggregated windows, predictions, outcomes.",
        subcommands: [LiveRecord.self, LiveIngest.self, LiveConfig.self, LivePrune.self, LiveRebuildRollups.self])
}

extension LiveDataSource: ExpressibleByArgument {}

/// Rebuilds pending rollups, printing progress to stderr.
func rebuildPendingRollups(_ store: Store) throws {
    try store.live.rebuildRollups { p in
        printError("rollups of \(p.model): \(p.done) of \(p.total) predictions\(p.finished ? " (done)" : "")")
    }
}

struct LivePrune: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prune", abstract: "Delete raw predictions and outcomes older than DATE; the hourly rollups keep gap and reports working.",
        discussion: """
            DATE is rounded down to its hour (rollups are hourly). Afterwards the gap
            and the weekly report read those hours from the rollups: counts and sums
            are unchanged, ROC AUC comes from a 1000-bin score histogram (its error
            bound is printed in the gap's notes). A prediction re-sent for a pruned
            hour is ignored (counted as duplicate), and an outcome for a pruned
            prediction is kept but joins nothing. Without --model, outcomes older than
            DATE that never met a prediction are deleted too.

            Runs in batches, one short transaction each, with progress on stderr, so
            ingest, logging and the server write in between. The cut is recorded
            first: after an interruption the gap is already right, and running the
            same command again deletes the rest.

            Example:
              tracker live prune --before 2026-11-01 --model churn
            """)
    @OptionGroup var options: DBOptions
    @Option(help: "Delete raw rows of predictions made before this time (ISO-8601 or epoch ms).") var before: String
    @Option(help: "Only this model (default: every model).") var model: String?
    @Option(name: .customLong("batch-size"), help: "Predictions (or outcomes) deleted per transaction.") var batchSize = 50_000

    func validate() throws {
        _ = try parseTime("--before", before)
        if batchSize < 1 { throw ValidationError("--batch-size must be at least 1") }
    }

    func run() throws {
        let store = try options.open()
        if let model { _ = try store.registry.model(named: model) }
        let s = try store.live.prune(before: try TimeParser.parse(before), model: model, batchSize: batchSize) { p in
            let done = p.finished ? " (done)" : ""
            if let model = p.model {
                printError("pruning \(model): \(p.predictions) predictions and \(p.outcomes) outcomes deleted\(done)")
            } else {
                printError("pruning outcomes that met no prediction: \(p.outcomes) deleted\(done)")
            }
        }
        print("deleted \(s.predictions) predictions and \(s.outcomes) outcomes made before \(TimeParser.format(s.before))")
        if !s.models.isEmpty { print("models: \(s.models.joined(separator: ", "))") }
    }
}

struct LiveRebuildRollups: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rebuild-rollups", abstract: "Rebuild the hourly rollups from the raw predictions (resumes an interrupted rebuild).",
        discussion: """
            Runs in batches, one transaction each, with progress on stderr; after an
            interruption, run it again to go on where it stopped. Until a model's
            rebuild ends, its gap reads raw rows. Hours whose raw rows were pruned
            keep their rollups. 'tracker db migrate' and changing a model's positive
            label start a rebuild themselves.

            Example:
              tracker live rebuild-rollups --model churn
            """)
    @OptionGroup var options: DBOptions
    @Option(help: "Only this model (default: every model with predictions).") var model: String?
    @Option(name: .customLong("batch-size"), help: "Predictions per transaction.") var batchSize = 50_000

    func validate() throws {
        if batchSize < 1 { throw ValidationError("--batch-size must be at least 1") }
    }

    func run() throws {
        let store = try options.open()
        if let model { _ = try store.registry.model(named: model) }
        try store.live.markRollupsForRebuild(model: model)
        try store.live.rebuildRollups(batchSize: batchSize) { p in
            printError("rollups of \(p.model): \(p.done) of \(p.total) predictions\(p.finished ? " (done)" : "")")
        }
        print("rollups rebuilt")
    }
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
            Without --std or --sum-sq, a value between 0 and 1 is taken as a proportion
            of 0/1 outcomes (e.g. accuracy over COUNT requests). Prefer --std to
            --sum-sq: a sum of squares loses the variance of large values.

            Without --start/--end the window ends now and starts one hour ago, or when
            the version now live in ENV was deployed if that is later (so a window
            recorded right after a promote counts for the new version). Without
            --model-version, the version live in ENV at the window's start is used.

            Example:
              tracker live record churn --env production --metric accuracy \\
                --value 0.87 --count 1200 \\
                --start 2026-11-23T10:00:00Z --end 2026-11-23T11:00:00Z
            """)
    @OptionGroup var options: DBOptions
    @Argument(help: "Model name.") var name: String
    @Option(help: "Environment.") var env: String
    @Option(help: "Metric name.") var metric: String
    @Option(parsing: .unconditional, help: "Mean over the window (may be negative).") var value: Double
    @Option(parsing: .unconditional, help: "Number of observations (≥ 1).") var count: Int64
    @Option(parsing: .unconditional, help: "Sample standard deviation (≥ 0).") var std: Double?
    @Option(name: .customLong("sum-sq"), parsing: .unconditional, help: "Sum of squares of the observations (≥ 0).") var sumSq: Double?
    @Option(name: .customLong("model-version"), help: "Model version (default: the one live at the window's start).") var version: Int?
    @Option(help: "Window start (ISO-8601 or epoch ms).") var start: String?
    @Option(help: "Window end.") var end: String?
    @Flag(name: .customLong("new-env"), help: "Allow an environment no model has a deployment or gates in yet.") var newEnv = false

    func validate() throws {
        if std != nil && sumSq != nil { throw ValidationError("give --std or --sum-sq, not both") }
        if (start == nil) != (end == nil) { throw ValidationError("give both --start and --end, or neither (the last hour)") }
        if count < 1 { throw ValidationError("--count must be ≥ 1 (got \(count))") }
        if !value.isFinite { throw ValidationError("--value must be a finite number (got \(value))") }
        if let std, !(std.isFinite && std >= 0) { throw ValidationError("--std must be a finite number ≥ 0 (got \(std))") }
        if let sumSq, !(sumSq.isFinite && sumSq >= 0) { throw ValidationError("--sum-sq must be a finite number ≥ 0 (got \(sumSq))") }
        if let version, version < 1 { throw ValidationError("--model-version must be ≥ 1 (got \(version))") }
        if std == nil && sumSq == nil && !(value >= 0 && value <= 1) {
            throw ValidationError("--value \(value) is not a proportion (0 to 1): give --std (or --sum-sq) so an interval can be computed")
        }
        let (s, e) = (try parseTime("--start", start), try parseTime("--end", end))
        if let s, let e, e < s {
            throw ValidationError("--end must not be before --start")
        }
    }

    func run() throws {
        let store = try options.open()
        try store.deployments.checkEnvironment(env, allowNew: newEnv)
        let now = TimeParser.nowMillis()
        var s: Int64
        var e: Int64
        var defaulted = false
        if let start, let end {
            (s, e) = (try TimeParser.parse(start), try TimeParser.parse(end))
        } else {
            // The last hour, but not before the current deployment began.
            let deployedAt = try store.deployments.deployments(model: name, env: env, at: now).first?.startedAt
            (s, e, defaulted) = (max(now - 3_600_000, deployedAt ?? .min), now, true)
        }
        let w = try LiveWindowInput.from(
            model: name, env: env, metric: metric, version: version, start: s, end: e, mean: value, count: count, std: std, sumSq: sumSq)
        let summary = try store.live.writeLive([.window(w)], lines: [1], source: nil)
        print(summary.replaced > 0 ? "replaced window" : "recorded window", "\(TimeParser.format(s))–\(TimeParser.format(e))")
        if defaulted { printError("note: no --start/--end: the window is \(TimeParser.format(s)) – now") }
        if summary.unattributed > 0 {
            printError("note: no version of \(name) was live in \(env) at \(TimeParser.format(s)); kept as unattributed")
        }
    }
}

/// `jsonl` or `csv`.
enum LiveFormatOption: String, ExpressibleByArgument, CaseIterable {
    case jsonl, csv
}

struct LiveIngest: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ingest", abstract: "Ingest live events: JSON Lines (windows, predictions, outcomes) or CSV windows with a header.",
        discussion: """
            Lines go in batches of 10,000; each batch is atomic. A bad line rejects its
            batch and ingestion goes on with the next batch. Every bad line is reported
            as FILE:LINE: reason (the first 100, then a count of the rest); the exit
            status is 1 if any batch was rejected. Re-sending data never double-counts:
            windows replace, prediction and outcome ids are kept once.

            Example:
              tracker live ingest production-2026-11-23.jsonl
            """)
    @OptionGroup var options: DBOptions
    @Argument(help: "File, or - for stdin.") var file = "-"
    @Option(help: "jsonl or csv (default: by the file's first character).") var format: LiveFormatOption?
    @Option(name: .customLong("batch-size"), help: "Lines per transaction.") var batchSize = 10_000
    @Flag(help: "Print 'committed N' to stderr after each batch is durable.") var progress = false

    /// Bad lines printed before the rest are only counted.
    static let errorCap = 100

    func validate() throws {
        if batchSize < 1 { throw ValidationError("--batch-size must be at least 1") }
    }

    func run() throws {
        let store = try options.open()
        let fd = file == "-" ? 0 : open(file, O_RDONLY)
        if fd < 0 { throw TrackerError.notFound("cannot open \(file): \(String(cString: strerror(errno)))") }
        defer { if fd != 0 { close(fd) } }
        let ingester = LiveIngester(
            store: store, source: file, batchSize: batchSize,
            format: format.map { $0 == .csv ? .csv : .jsonl } ?? (file.hasSuffix(".csv") ? .csv : nil))
        if progress { ingester.onCommit = { printError("committed \($0.stored + $0.replaced + $0.duplicate)") } }
        let summary = try ingester.ingest(fd: fd)
        for e in ingester.errors.prefix(Self.errorCap) { printError("error: \(e)") }
        let more = ingester.errors.count - Self.errorCap
        if more > 0 { printError("… and \(more) more bad line\(more == 1 ? "" : "s")") }
        printLiveSummary(summary)
        if !ingester.errors.isEmpty { throw ExitCode(1) }
    }
}

/// `classification`, `regression`, or `auto` (infer from the data).
enum LiveTaskOption: String, ExpressibleByArgument, CaseIterable {
    case classification, regression, auto
}

struct LiveConfig: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config", abstract: "Show or set a model's live settings: positive label, task, classes, metric directions, alert thresholds.",
        discussion: """
            Without options, prints the current settings. Every option may be combined
            with the others; settings not named stay as they are.

            A score is the probability of the positive label at the time it was
            ingested: changing --positive-label later does not reinterpret scores
            already stored (gap converts them explicitly and says so).

            Examples:
              tracker live config churn --max-gap recall=0.03 --coverage-floor 0.6
              tracker live config churn --direction p99_latency_ms=lower
              tracker live config churn --task classification --classes no,yes
            """)
    @OptionGroup var options: DBOptions
    @Argument(help: "Model name.") var name: String
    @Option(name: .customLong("positive-label"), help: "Label counted as positive for precision, recall, F1, AUC, log loss.") var positive: String?
    @Option(
        name: .customLong("max-gap"),
        help: ArgumentHelp(
            "Alert when live is worse than offline by more than SHARE (relative, e.g. 0.05 = 5%); METRIC= limits it to one metric (repeatable).",
            valueName: "[METRIC=]SHARE"))
    var maxGaps: [String] = []
    @Option(name: .customLong("coverage-floor"), help: ArgumentHelp("Alert when label coverage is below SHARE (0 to 1).", valueName: "SHARE"))
    var coverageFloor: Double?
    @Option(
        name: .customLong("direction"),
        help: ArgumentHelp("Declare a metric's direction (repeatable); overrides the name rules.", valueName: "METRIC=higher|lower"))
    var directions: [String] = []
    @Option(help: "classification, regression, or auto (infer from the data, the default).") var task: LiveTaskOption?
    @Option(help: ArgumentHelp("The class labels, comma-separated (auto = the labels seen).", valueName: "A,B,..."))
    var classes: String?

    /// `[METRIC=]VALUE` split into its metric ('' = every metric) and value.
    static func keyed(_ text: String) -> (key: String, value: String) {
        guard let eq = text.lastIndex(of: "=") else { return ("", text) }
        return (String(text[..<eq]).trimmingCharacters(in: .whitespaces), String(text[text.index(after: eq)...]).trimmingCharacters(in: .whitespaces))
    }

    func parsedMaxGaps() throws -> [(String, Double)] {
        try maxGaps.map { item in
            let (metric, text) = Self.keyed(item)
            guard let share = Double(text), share.isFinite, share >= 0 else {
                throw ValidationError("--max-gap '\(item)': SHARE must be a finite number ≥ 0 (0.05 = 5%)")
            }
            if item.contains("=") && metric.isEmpty { throw ValidationError("--max-gap '\(item)': the metric before '=' is empty") }
            return (metric, share)
        }
    }

    func parsedDirections() throws -> [(String, MetricDirection)] {
        try directions.map { item in
            let (metric, text) = Self.keyed(item)
            guard !metric.isEmpty, let d = MetricDirection(rawValue: text.lowercased()) else {
                throw ValidationError("--direction '\(item)': expected METRIC=higher or METRIC=lower")
            }
            return (metric, d)
        }
    }

    func parsedClasses() throws -> [String]?? {
        guard let classes else { return .none }
        if classes == "auto" { return .some(nil) }
        let list = classes.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard list.count >= 2, Set(list).count == list.count else {
            throw ValidationError("--classes '\(classes)': give at least two distinct labels, comma-separated (or auto)")
        }
        return .some(list)
    }

    func validate() throws {
        _ = try parsedMaxGaps()
        _ = try parsedDirections()
        _ = try parsedClasses()
        if let coverageFloor, !(coverageFloor.isFinite && coverageFloor >= 0 && coverageFloor <= 1) {
            throw ValidationError("--coverage-floor must be a share between 0 and 1 (got \(coverageFloor))")
        }
        if let positive, positive.isEmpty { throw ValidationError("--positive-label must not be empty") }
    }

    func run() throws {
        let store = try options.open()
        let gaps = try parsedMaxGaps()
        let dirs = try parsedDirections()
        let newClasses = try parsedClasses()
        let changes = positive != nil || !gaps.isEmpty || coverageFloor != nil || !dirs.isEmpty || task != nil || newClasses != nil
        if changes {
            for (metric, _) in gaps + dirs.map({ ($0.0, 0.0) }) where !metric.isEmpty { try Limits.validateKey(metric, "metric") }
            try store.live.updateLiveSettings(model: name) { s in
                if let positive { s.positiveLabel = positive }
                for (metric, share) in gaps { s.maxGap[metric] = share }
                if let coverageFloor { s.coverageFloor = coverageFloor }
                for (metric, d) in dirs { s.directions[metric] = d }
                if let task { s.task = task == .auto ? nil : LiveTask(rawValue: task.rawValue) }
                if let newClasses { s.classes = newClasses }
            }
            // A new positive label changes the rollups' confusion counts and scores: rebuild them.
            try rebuildPendingRollups(store)
        }
        print(Self.describe(name, try store.live.liveSettings(model: name)), terminator: "")
    }

    /// The settings as the lines `live config NAME` prints.
    static func describe(_ name: String, _ s: LiveSettings) -> String {
        let pct = { (x: Double) in ReportFormat.value(x * 100) + "%" }
        var out = "\(name)\n"
        out += "  positive label: \(s.positiveLabel)\n"
        out += "  task: \(s.task?.rawValue ?? "inferred from the data (scikit-learn's rule)")\n"
        out += "  classes: \(s.classes?.joined(separator: ", ") ?? "the labels seen")\n"
        let dirs = s.directions.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value.rawValue)" }
        out += "  directions: \(dirs.isEmpty ? "" : dirs.joined(separator: ", ") + "; ")others from the metric name\n"
        let defaultGap = s.maxGap[""].map(pct) ?? "5% (default)"
        let perMetric = s.maxGap.filter { !$0.key.isEmpty }.sorted { $0.key < $1.key }.map { "\($0.key) \(pct($0.value))" }
        out += "  max gap: \(defaultGap)\(perMetric.isEmpty ? "" : "; " + perMetric.joined(separator: ", "))\n"
        out += "  coverage floor: \(s.coverageFloor.map(pct) ?? "50% (default)")\n"
        return out
    }
}

struct GapCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gap", abstract: "Offline vs live, per version and metric, with 95% intervals and a verdict.",
        discussion: """
            Intervals: Wilson for proportions (accuracy, precision, recall, windows of
            0/1 outcomes); Wilson-type with a delta-method effective n for F1;
            Wilson-type with a Hanley–McNeil effective n for ROC AUC; Hall's
            skewness-corrected t for log loss, MAE, RMSE and MAPE; Student t for window
            means. The METHOD column names the one used.

            Verdict: within (interval inside offline ± tolerance), worse / better
            (interval entirely on one side of offline), else not enough evidence (or n
            below --min-n). Directions come from 'tracker live config NAME --direction',
            else from the metric's name; the DIRECTION column says which.

            Default window: the last 7 days.

            Example:
              tracker gap churn --env production --since 2026-11-16 --until 2026-11-23
            """)
    @OptionGroup var options: DBOptions
    @Argument(help: "Model name.") var name: String
    @Option(help: "Environment.") var env = "production"
    @Option(help: "Start (ISO-8601 or epoch ms; default 7 days before --until).") var since: String?
    @Option(help: "End, exclusive (default now).") var until: String?
    @Option(name: .customLong("model-version"), help: "Only this model version.") var version: Int?
    @Option(name: .customLong("min-n"), parsing: .unconditional, help: "Fewer observations than this (≥ 1): not enough evidence.") var minN = 30
    @Option(parsing: .unconditional, help: "Relative tolerance for 'within', from 0 to 1 (0.02 = ±2% of offline).") var tolerance = 0.02
    @Option(name: .customLong("lower-is-better"), help: "Treat this metric as lower-is-better for this query (repeatable).") var lower: [String] = []
    @Option(name: .customLong("higher-is-better"), help: "Treat this metric as higher-is-better for this query (repeatable).") var higher: [String] = []
    @Option(name: .customLong("positive-label"), help: "Positive label (default: the model's setting); scores are converted explicitly.") var positive: String?
    @Option(help: "Read predictions from raw rows, hourly rollups, or auto (raw up to 100,000 predictions in the window).")
    var source: LiveDataSource = .auto
    @Flag(help: "Print JSON.") var json = false

    func validate() throws {
        if minN < 1 { throw ValidationError("--min-n must be ≥ 1 (got \(minN))") }
        if !(tolerance.isFinite && tolerance >= 0 && tolerance < 1) {
            throw ValidationError("--tolerance must be a finite share from 0 to below 1 (got \(tolerance))")
        }
        if let version, version < 1 { throw ValidationError("--model-version must be ≥ 1 (got \(version))") }
        if let m = Set(lower).intersection(higher).first { throw ValidationError("\(m) is given as both lower- and higher-is-better") }
        let (s, u) = (try parseTime("--since", since), try parseTime("--until", until))
        if let s, let u, s >= u {
            throw ValidationError("--since must be before --until")
        }
    }

    func run() throws {
        let u = try until.map { try TimeParser.parse($0) } ?? TimeParser.nowMillis()
        let s = try since.map { try TimeParser.parse($0) } ?? (u - 7 * 86_400_000)
        if s >= u { throw ValidationError("--since must be before --until\(until == nil ? " (default: now)" : "")") }
        var o = GapOptions(since: s, until: u)
        o.version = version
        o.minN = minN
        o.tolerance = tolerance
        o.positiveLabel = positive
        o.source = source
        for m in lower { o.directions[m] = .lowerIsBetter }
        for m in higher { o.directions[m] = .higherIsBetter }
        let store = try options.open()
        if let version { _ = try store.registry.version(model: name, ref: String(version)) }
        let report = try store.live.gap(model: name, env: env, options: o)
        if report.versions.isEmpty && report.unattributed == nil {
            let known = try store.deployments.environments(model: name)
            if !known.contains(env) {
                printError("note: \(name) was never deployed to '\(env)'; environments: \(known.isEmpty ? "none yet" : known.joined(separator: ", "))")
            }
        }
        if json { printJSON(report.json) } else { print(report.text, terminator: "") }
    }
}
