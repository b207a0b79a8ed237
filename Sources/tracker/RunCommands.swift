import ArgumentParser
import Foundation
import TrackerCore
import TrackerReport
import TrackerStore

/// `--artifacts DIR` (default: beside the database, `tracker.db` → `tracker-artifacts/`).
struct ArtifactOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Artifact folder (default: beside the database).", valueName: "dir"))
    var artifacts: String?

    func store(for db: DBOptions) -> ArtifactStore {
        if let artifacts { return ArtifactStore(root: URL(fileURLWithPath: artifacts).standardizedFileURL) }
        return ArtifactStore(root: ArtifactStore.defaultRoot(forDatabase: db.path))
    }
}

/// Parses `k=v` pairs.
func parsePairs(_ items: [String], _ what: String) throws -> [KeyValue] {
    try items.map { item in
        guard let eq = item.firstIndex(of: "="), eq != item.startIndex else {
            throw ValidationError("\(what) '\(item)' must look like key=value")
        }
        return KeyValue(String(item[..<eq]), String(item[item.index(after: eq)...]))
    }
}

/// The experiment named `name`, created on first use (as MLflow does) — saying so on stderr,
/// so a typo does not go unnoticed.
func ensureExperiment(_ store: Store, _ name: String) throws -> Experiment {
    let (experiment, created) = try store.experiments.ensureExperiment(named: name)
    if created { printError("created experiment '\(name)'") }
    return experiment
}

/// The full id of the run `given` names (a full id or a unique prefix of at least 6 characters).
func resolveRun(_ store: Store, _ given: String) throws -> String {
    try store.runs.resolveRunID(given)
}

/// A number for people: 4 significant digits (`--json` keeps full precision).
func human(_ v: Double) -> String { ReportFormat.value(v) }

/// How `run end` may end a run.
enum EndStatus: String, ExpressibleByArgument, CaseIterable {
    case finished = "FINISHED"
    case failed = "FAILED"
    case killed = "KILLED"

    var runStatus: RunStatus {
        switch self {
        case .finished: return .finished
        case .failed: return .failed
        case .killed: return .killed
        }
    }
}

struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run", abstract: "Start, end, show, list and wrap runs.",
        subcommands: [RunStart.self, RunEnd.self, RunShow.self, RunList.self, RunExec.self])
}

struct RunStart: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "start", abstract: "Start a run and print its id.",
        discussion: """
            Example:
              tracker run start --experiment churn --name lr-0.01 --tag team=growth
            """)
    @OptionGroup var options: DBOptions
    @Option(help: "Experiment name (created on first use).") var experiment = "Default"
    @Option(help: "Run name (default: a generated one).") var name = ""
    @Option(name: .customLong("tag"), help: "A tag, key=value (repeatable).") var tags: [String] = []

    func validate() throws { _ = try parsePairs(tags, "tag") }

    func run() throws {
        let store = try options.open()
        let exp = try ensureExperiment(store, experiment)
        let info = try store.runs.createRun(experimentID: exp.id, name: name, tags: try parsePairs(tags, "tag"))
        print(info.runID)
    }
}

struct RunEnd: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "end", abstract: "End a run.", discussion: "Example: tracker run end 4f2c… --status FAILED")
    @OptionGroup var options: DBOptions
    @Argument(help: "Run id (or a unique prefix of at least 6 characters).") var runID: String
    @Option(help: "How the run ended.") var status: EndStatus = .finished

    func run() throws {
        let store = try options.open()
        let info = try store.runs.updateRun(runID: try resolveRun(store, runID), status: status.runStatus)
        print("\(info.runID) \(info.status.rawValue)")
    }
}

struct RunShow: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show", abstract: "Show a run: info, params, tags, latest metrics, artifacts.",
        discussion: "Example: tracker run show 4f2c… --json")
    @OptionGroup var options: DBOptions
    @Argument(help: "Run id (or a unique prefix of at least 6 characters).") var runID: String
    @Flag(help: "Print JSON.") var json = false

    func run() throws {
        let store = try options.open()
        let r = try store.runs.run(id: try resolveRun(store, runID))
        if json {
            printJSON(r.json)
            return
        }
        let exp = try store.experiments.experiment(id: r.info.experimentID)
        print(Self.text(r, experiment: exp?.name ?? "?"), terminator: "")
    }

    /// The human form: the run's info lines, then a table per non-empty part, indented.
    static func text(_ r: Run, experiment: String) -> String {
        var o = "run:        \(r.info.runID)\n"
        o += "name:       \(r.info.name)\n"
        o += "experiment: \(experiment) (\(r.info.experimentID))\n"
        o += "status:     \(r.info.status.rawValue)\n"
        o += "user:       \(r.info.userID)\n"
        o += "started:    \(formatTime(r.info.startTime))\n"
        if let end = r.info.endTime { o += "ended:      \(formatTime(end)) (\(formatDuration(end - r.info.startTime)))\n" }
        func section(_ title: String, _ heads: [String], _ rows: [[String]]) {
            guard !rows.isEmpty else { return }
            o += "\n\(title):\n" + table(heads, rows).split(separator: "\n").map { "  " + $0 }.joined(separator: "\n") + "\n"
        }
        section("params", ["KEY", "VALUE"], r.params.map { [$0.key, $0.value] })
        section("metrics (latest)", ["KEY", "VALUE", "STEP", "TIME"], r.metrics.map { [$0.key, human($0.value), String($0.step), formatTime($0.time)] })
        section("tags", ["KEY", "VALUE"], r.tags.map { [$0.key, $0.value] })
        section("artifacts", ["PATH", "SIZE", "SHA256"], r.artifacts.map { [$0.path, String($0.size), $0.sha256] })
        return o
    }
}

struct RunList: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list", abstract: "List runs, newest first, with MLflow's filter language.",
        discussion: """
            Examples:
              tracker run list --experiment churn \\
                --filter "metrics.accuracy > 0.9 and params.model = 'gbm'" \\
                --order-by "metrics.loss"
              tracker run list --filter "attributes.status = 'FINISHED'" --limit 5
            """)
    @OptionGroup var options: DBOptions
    @Option(help: "Only runs of this experiment.") var experiment: String?
    @Option(help: "Filter, e.g. \"metrics.acc > 0.5 AND params.lr = '0.01'\".") var filter = ""
    @Option(name: .customLong("order-by"), help: "Sort key, e.g. 'metrics.loss ASC' (repeatable).") var orderBy: [String] = []
    @Option(help: "At most this many runs.") var limit = 100
    @Flag(help: "Print JSON.") var json = false

    func validate() throws {
        if limit < 1 || limit > 50_000 { throw ValidationError("--limit must be between 1 and 50000") }
        _ = try usage { try RunFilter.parse(filter) }
        _ = try usage { try orderBy.map { try RunOrder.parse($0) } }
    }

    func run() throws {
        let store = try options.open()
        let parsed = try RunFilter.parse(filter)
        let orders = try orderBy.map { try RunOrder.parse($0) }
        var ids: [Int64]?
        if let experiment {
            guard let e = try store.experiments.experiment(named: experiment) else {
                let names = try store.experiments.listExperiments().map(\.name).joined(separator: ", ")
                throw TrackerError.notFound("experiment '\(experiment)' not found; experiments: \(names)")
            }
            ids = [e.id]
        }
        let runs = try store.runs.searchRuns(experimentIDs: ids, filter: parsed, orderBy: orders, limit: limit)
        if json {
            printJSON(.array(runs.map(\.json)))
            return
        }
        // Show the metrics the user filtered or sorted on, else the first few.
        var keys: [String] = []
        for c in parsed.clauses where c.entity == .metric && !keys.contains(c.key) { keys.append(c.key) }
        for o in orders where o.entity == .metric && !keys.contains(o.key) { keys.append(o.key) }
        if keys.isEmpty {
            for r in runs { for m in r.metrics where !keys.contains(m.key) && keys.count < 3 { keys.append(m.key) } }
        }
        let rows = runs.map { r -> [String] in
            let dur = r.info.endTime.map { formatDuration($0 - r.info.startTime) } ?? "-"
            return [r.info.runID, r.info.name, r.info.status.rawValue, formatTime(r.info.startTime), dur]
                + keys.map { k in r.metrics.first { $0.key == k }.map { human($0.value) } ?? "-" }
        }
        print(table(["RUN ID", "NAME", "STATUS", "STARTED", "DURATION"] + keys.map { $0.uppercased() }, rows))
    }
}

struct LogCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "log", abstract: "Log a param, metric, tag or artifact to a run.",
        subcommands: [LogParam.self, LogMetric.self, LogTag.self, LogArtifact.self])
}

struct LogParam: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "param", abstract: "Log a param (its value cannot change once set).",
        discussion: "Example: tracker log param RUN_ID lr 0.01")
    @OptionGroup var options: DBOptions
    @Argument(help: "Run id (or a unique prefix of at least 6 characters).") var runID: String
    @Argument(help: "Key.") var key: String
    @Argument(help: "Value.") var value: String

    func run() throws {
        let store = try options.open()
        try store.metrics.log(runID: try resolveRun(store, runID), LogBatch(params: [KeyValue(key, value)]))
    }
}

struct LogTag: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tag", abstract: "Set a tag on a run.", discussion: "Example: tracker log tag RUN_ID team growth")
    @OptionGroup var options: DBOptions
    @Argument(help: "Run id (or a unique prefix of at least 6 characters).") var runID: String
    @Argument(help: "Key.") var key: String
    @Argument(help: "Value.") var value: String

    func run() throws {
        let store = try options.open()
        try store.metrics.log(runID: try resolveRun(store, runID), LogBatch(tags: [KeyValue(key, value)]))
    }
}

struct LogMetric: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "metric", abstract: "Log a metric value (NaN, Infinity and -Infinity are kept).",
        discussion: "Example: tracker log metric RUN_ID loss 0.31 --step 10")
    @OptionGroup var options: DBOptions
    @Argument(help: "Run id (or a unique prefix of at least 6 characters).") var runID: String
    @Argument(help: "Key.") var key: String
    // Captured this way so negative values (-0.5, -Infinity) are not taken for options.
    @Argument(parsing: .allUnrecognized, help: ArgumentHelp("Value: a number, NaN, Infinity or -Infinity.", valueName: "value"))
    var values: [String] = []
    @Option(help: "Step (default 0).") var step: Int64 = 0
    @Option(help: "Time: epoch milliseconds or ISO-8601 (default now).") var time: String?

    var value: String { values.first ?? "" }

    func validate() throws {
        if values.count != 1 { throw ValidationError("give exactly one metric value, e.g. tracker log metric RUN_ID loss 0.31") }
        if number == nil { throw ValidationError("metric value '\(value)' is not a number; use a number, NaN, Infinity or -Infinity") }
        _ = try usage { try time.map { try TimeParser.parse($0) } }
    }

    var number: Double? { JSON.string(value).doubleValue ?? Double(value) }

    func run() throws {
        let t = try time.map { try TimeParser.parse($0) } ?? TimeParser.nowMillis()
        let store = try options.open()
        let point = MetricPoint(key: key, value: number!, step: step, time: t)
        try store.metrics.log(runID: try resolveRun(store, runID), LogBatch(metrics: [point]))
    }
}

struct LogArtifact: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "artifact", abstract: "Copy a file or folder into the artifact store and record it on the run.",
        discussion: "Example: tracker log artifact RUN_ID model.pkl --as model/model.pkl")
    @OptionGroup var options: DBOptions
    @OptionGroup var artifactOptions: ArtifactOptions
    @Argument(help: "Run id (or a unique prefix of at least 6 characters).") var runID: String
    @Argument(help: "File or folder.") var path: String
    @Option(name: .customLong("as"), help: "Path inside the run (default: the file's name).") var name: String?

    func run() throws {
        let store = try options.open()
        let runID = try resolveRun(store, self.runID)
        _ = try store.runs.run(id: runID)  // fail before copying anything
        let records = try artifactOptions.store(for: options).put(fileAt: URL(fileURLWithPath: path), as: name)
        try store.metrics.log(runID: runID, LogBatch(artifacts: records))
        for r in records { print("\(r.path)  \(r.size) bytes  sha256:\(r.sha256)") }
    }
}

struct MetricCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "metric", abstract: "Read metric history.", subcommands: [MetricHistory.self])
}

struct MetricHistory: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "history", abstract: "Print every (step, time, value) of a metric.",
        discussion: "Example: tracker metric history RUN_ID loss")
    @OptionGroup var options: DBOptions
    @Argument(help: "Run id (or a unique prefix of at least 6 characters).") var runID: String
    @Argument(help: "Metric key.") var key: String
    @Flag(help: "Print JSON.") var json = false

    func run() throws {
        let store = try options.open()
        let run = try resolveRun(store, runID)
        let keys = try store.metrics.metricKeys(runID: run)
        if !keys.contains(key) {
            let message = "run \(run) has no metric '\(key)'; metrics: \(keys.isEmpty ? "none logged" : keys.joined(separator: ", "))"
            // --json keeps MLflow's get-history answer for a key never logged (an empty list).
            guard json else { throw TrackerError.notFound(message) }
            printError("note: \(message)")
        }
        let points = try store.metrics.metricHistory(runID: run, key: key)
        let out = json ? JSON.array(points.map(\.json)).serialized(pretty: false) + "\n" : Self.table(points)
        FileHandle.standardOutput.write(Data(out.utf8))
    }

    /// STEP, TIME (ISO-8601), VALUE in aligned columns, like every other listing. Values keep full
    /// precision (the shortest form that reads back the same double): this is the raw history.
    static func table(_ points: [MetricPoint]) -> String {
        let steps = points.map { String($0.step) }
        var iso = FastISOTime()
        let times = points.map { iso.format($0.time) }
        let stepWidth = steps.reduce(4) { max($0, $1.utf8.count) }
        let timeWidth = times.reduce(4) { max($0, $1.utf8.count) }
        func pad(_ s: String, _ width: Int) -> String { s + String(repeating: " ", count: width - s.utf8.count + 2) }
        var out = pad("STEP", stepWidth) + pad("TIME", timeWidth) + "VALUE\n"
        out.reserveCapacity(points.count * (stepWidth + timeWidth + 24))
        for (i, p) in points.enumerated() {
            out += pad(steps[i], stepWidth)
            out += pad(times[i], timeWidth)
            out += p.value.isFinite ? p.value.description : human(p.value)
            out += "\n"
        }
        return out
    }
}

/// `TimeParser.format` for long histories: the same text, without `String(format:)` per point
/// (100k points took most of a second). The date part is cached per day.
struct FastISOTime {
    private var day = Int64.min
    private var datePart = ""
    private static let twoDigits = (0..<100).map { $0 < 10 ? "0\($0)" : "\($0)" }

    mutating func format(_ ms: Int64) -> String {
        let d = ms >= 0 ? ms / 86_400_000 : (ms - 86_399_999) / 86_400_000
        if d != day {
            day = d
            datePart = TimeParser.formatDate(d * 86_400_000) + "T"
        }
        let rem = Int(ms - d * 86_400_000)
        let two = FastISOTime.twoDigits
        var s = datePart + two[rem / 3_600_000] + ":" + two[rem / 60_000 % 60] + ":" + two[rem / 1000 % 60]
        let milli = rem % 1000
        if milli != 0 { s += "." + two[milli / 10] + String(milli % 10) }
        return s + "Z"
    }
}

struct IngestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ingest", abstract: "Ingest JSON Lines events (see README, Event format).",
        discussion: """
            Reads FILE (or - for stdin) in batches of 10,000 events; each batch is one
            transaction. A bad line rejects its whole batch and stops ingestion; earlier
            batches stay stored.
            Example:
              tracker ingest events.jsonl --run 4f2c…
            """)
    @OptionGroup var options: DBOptions
    @OptionGroup var artifactOptions: ArtifactOptions
    @Argument(help: "JSON Lines file, or - for stdin.") var file = "-"
    @Option(name: .customLong("run"), help: "Run the events belong to (else the file's run_start lines).") var runID: String?
    @Option(help: "Experiment for run_start lines that name none.") var experiment = "Default"
    @Option(name: .customLong("batch-size"), help: "Events per transaction.") var batchSize = 10_000
    @Flag(help: "Print 'committed N' to stderr after each batch is durable.") var progress = false

    func validate() throws {
        if batchSize < 1 { throw ValidationError("--batch-size must be at least 1") }
    }

    func run() throws {
        let store = try options.open()
        let runID = try self.runID.map { try resolveRun(store, $0) }
        if let runID { _ = try store.runs.run(id: runID) }
        let fd: Int32
        let base: URL
        if file == "-" {
            fd = 0
            base = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
        } else {
            fd = open(file, O_RDONLY)
            if fd < 0 { throw TrackerError.notFound("cannot open \(file): \(String(cString: strerror(errno)))") }
            base = URL(fileURLWithPath: file).deletingLastPathComponent()
        }
        defer { if fd != 0 { close(fd) } }
        let ingester = EventIngester(
            store: store, artifacts: artifactOptions.store(for: options), source: file, baseDirectory: base, run: runID,
            batchSize: batchSize,
            defaultExperiment: experiment)
        if progress { ingester.onCommit = { printError("committed \($0)") } }
        let summary: IngestSummary
        do {
            summary = try Store.describeErrors(path: store.path) { try ingester.ingest(fd: fd) }
        } catch {
            printError("stored \(ingester.summary.stored) events in \(ingester.summary.batches) batches before the error")
            throw error
        }
        for r in summary.runsStarted { print("run \(r)") }
        for e in summary.experimentsCreated { printError("created experiment '\(e)'") }
        printError("stored \(summary.stored) events in \(summary.batches) batches")
    }
}
