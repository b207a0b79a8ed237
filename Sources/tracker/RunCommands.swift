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

struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run", abstract: "Start, end, show, list and wrap runs.",
        subcommands: [RunStart.self, RunEnd.self, RunShow.self, RunList.self, RunExec.self])
}

struct RunStart: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "start", abstract: "Start a run and print its id.",
        discussion: "Example: tracker run start --experiment churn --name lr-0.01 --tag team=growth")
    @OptionGroup var options: DBOptions
    @Option(help: "Experiment name (created on first use).") var experiment = "Default"
    @Option(help: "Run name (default: a generated one).") var name = ""
    @Option(name: .customLong("tag"), help: "A tag, key=value (repeatable).") var tags: [String] = []

    func run() throws {
        let store = try options.open()
        let exp = try store.ensureExperiment(name: experiment)
        let info = try store.createRun(experimentID: exp.id, name: name, tags: try parsePairs(tags, "tag"))
        print(info.runID)
    }
}

struct RunEnd: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "end", abstract: "End a run.", discussion: "Example: tracker run end 4f2c… --status FAILED")
    @OptionGroup var options: DBOptions
    @Argument(help: "Run id.") var runID: String
    @Option(help: "FINISHED, FAILED or KILLED.") var status = "FINISHED"

    func validate() throws {
        let s = try RunStatus(parsing: status)
        if s == .running || s == .scheduled { throw ValidationError("--status must be FINISHED, FAILED or KILLED") }
    }

    func run() throws {
        let info = try options.open().updateRun(runID: runID, status: try RunStatus(parsing: status))
        print("\(info.runID) \(info.status.rawValue)")
    }
}

struct RunShow: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show", abstract: "Show a run: info, params, tags, latest metrics, artifacts.",
        discussion: "Example: tracker run show 4f2c… --json")
    @OptionGroup var options: DBOptions
    @Argument(help: "Run id.") var runID: String
    @Flag(help: "Print JSON.") var json = false

    func run() throws {
        let store = try options.open()
        let r = try store.run(id: runID)
        if json {
            printJSON(r.json)
            return
        }
        let exp = try store.experiment(id: r.info.experimentID)
        print("run:        \(r.info.runID)")
        print("name:       \(r.info.name)")
        print("experiment: \(exp?.name ?? "?") (\(r.info.experimentID))")
        print("status:     \(r.info.status.rawValue)")
        print("user:       \(r.info.userID)")
        print("started:    \(formatTime(r.info.startTime))")
        if let end = r.info.endTime { print("ended:      \(formatTime(end)) (\(formatDuration(end - r.info.startTime)))") }
        if !r.params.isEmpty {
            print("\nparams:")
            print(
                table(["KEY", "VALUE"], r.params.map { [$0.key, $0.value] }).split(separator: "\n").map { "  " + $0 }.joined(
                    separator: "\n"))
        }
        if !r.metrics.isEmpty {
            print("\nmetrics (latest):")
            print(
                table(
                    ["KEY", "VALUE", "STEP", "TIME"],
                    r.metrics.map { [$0.key, formatValue($0.value), String($0.step), formatTime($0.time)] }
                )
                .split(separator: "\n").map { "  " + $0 }.joined(separator: "\n"))
        }
        if !r.tags.isEmpty {
            print("\ntags:")
            print(
                table(["KEY", "VALUE"], r.tags.map { [$0.key, $0.value] }).split(separator: "\n").map { "  " + $0 }.joined(separator: "\n"))
        }
        if !r.artifacts.isEmpty {
            print("\nartifacts:")
            print(
                table(["PATH", "SIZE", "SHA256"], r.artifacts.map { [$0.path, String($0.size), $0.sha256] }).split(separator: "\n")
                    .map { "  " + $0 }.joined(separator: "\n"))
        }
    }
}

struct RunList: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list", abstract: "List runs, newest first, with MLflow's filter language.",
        discussion: """
            Examples:
              tracker run list --experiment churn --filter "metrics.accuracy > 0.9 and params.model = 'gbm'" --order-by "metrics.loss"
              tracker run list --filter "attributes.status = 'FINISHED'" --limit 5 --json
            """)
    @OptionGroup var options: DBOptions
    @Option(help: "Only runs of this experiment.") var experiment: String?
    @Option(help: "Filter, e.g. \"metrics.acc > 0.5 AND params.lr = '0.01'\".") var filter = ""
    @Option(name: .customLong("order-by"), help: "Sort key, e.g. 'metrics.loss ASC' (repeatable).") var orderBy: [String] = []
    @Option(help: "At most this many runs.") var limit = 100
    @Flag(help: "Print JSON.") var json = false

    func validate() throws {
        if limit < 1 || limit > 50_000 { throw ValidationError("--limit must be between 1 and 50000") }
    }

    func run() throws {
        let store = try options.open()
        let parsed = try RunFilter.parse(filter)
        let orders = try orderBy.map { try RunOrder.parse($0) }
        var ids: [Int64]?
        if let experiment {
            guard let e = try store.experiment(named: experiment) else {
                let names = try store.listExperiments().map(\.name).joined(separator: ", ")
                throw TrackerError.notFound("experiment '\(experiment)' not found; experiments: \(names)")
            }
            ids = [e.id]
        }
        let runs = try store.searchRuns(experimentIDs: ids, filter: parsed, orderBy: orders, limit: limit)
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
                + keys.map { k in r.metrics.first { $0.key == k }.map { formatValue($0.value) } ?? "-" }
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
    @Argument(help: "Run id.") var runID: String
    @Argument(help: "Key.") var key: String
    @Argument(help: "Value.") var value: String

    func run() throws { try options.open().log(runID: runID, LogBatch(params: [KeyValue(key, value)])) }
}

struct LogTag: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tag", abstract: "Set a tag on a run.", discussion: "Example: tracker log tag RUN_ID team growth")
    @OptionGroup var options: DBOptions
    @Argument(help: "Run id.") var runID: String
    @Argument(help: "Key.") var key: String
    @Argument(help: "Value.") var value: String

    func run() throws { try options.open().log(runID: runID, LogBatch(tags: [KeyValue(key, value)])) }
}

struct LogMetric: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "metric", abstract: "Log a metric value (NaN, Infinity and -Infinity are kept).",
        discussion: "Example: tracker log metric RUN_ID loss 0.31 --step 10")
    @OptionGroup var options: DBOptions
    @Argument(help: "Run id.") var runID: String
    @Argument(help: "Key.") var key: String
    // Captured this way so negative values (-0.5, -Infinity) are not taken for options.
    @Argument(parsing: .allUnrecognized, help: ArgumentHelp("Value: a number, NaN, Infinity or -Infinity.", valueName: "value"))
    var values: [String] = []
    @Option(help: "Step (default 0).") var step: Int64 = 0
    @Option(help: "Time: epoch milliseconds or ISO-8601 (default now).") var time: String?

    var value: String { values.first ?? "" }

    func validate() throws {
        if values.count != 1 { throw ValidationError("give exactly one metric value, e.g. tracker log metric RUN_ID loss 0.31") }
    }

    func run() throws {
        guard let v = JSON.string(value).doubleValue ?? Double(value) else {
            throw TrackerError.invalid("metric value '\(value)' is not a number; use a number, NaN, Infinity or -Infinity")
        }
        let t = try time.map { try TimeParser.parse($0) } ?? TimeParser.nowMillis()
        try options.open().log(runID: runID, LogBatch(metrics: [MetricPoint(key: key, value: v, step: step, time: t)]))
    }
}

struct LogArtifact: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "artifact", abstract: "Copy a file or folder into the artifact store and record it on the run.",
        discussion: "Example: tracker log artifact RUN_ID model.pkl --as model/model.pkl")
    @OptionGroup var options: DBOptions
    @OptionGroup var artifactOptions: ArtifactOptions
    @Argument(help: "Run id.") var runID: String
    @Argument(help: "File or folder.") var path: String
    @Option(name: .customLong("as"), help: "Path inside the run (default: the file's name).") var name: String?

    func run() throws {
        let store = try options.open()
        _ = try store.run(id: runID)  // fail before copying anything
        let records = try artifactOptions.store(for: options).put(fileAt: URL(fileURLWithPath: path), as: name)
        try store.log(runID: runID, LogBatch(artifacts: records))
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
    @Argument(help: "Run id.") var runID: String
    @Argument(help: "Metric key.") var key: String
    @Flag(help: "Print JSON.") var json = false

    func run() throws {
        let points = try options.open().metricHistory(runID: runID, key: key)
        var out = ""
        if json {
            out = JSON.array(points.map(\.json)).serialized(pretty: false) + "\n"
        } else {
            out.reserveCapacity(points.count * 40)
            out += "STEP\tTIME\tVALUE\n"
            for p in points {
                out += String(p.step)
                out += "\t"
                out += String(p.time)
                out += "\t"
                // Full precision, shortest form that reads back the same double.
                out += p.value.isFinite ? p.value.description : formatValue(p.value)
                out += "\n"
            }
        }
        FileHandle.standardOutput.write(Data(out.utf8))
    }
}

struct IngestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ingest", abstract: "Ingest JSON Lines events (see README, Event format).",
        discussion: """
            Reads FILE (or - for stdin) in batches of 10,000 events; each batch is one transaction.
            A bad line rejects its whole batch and stops ingestion; earlier batches stay stored.
            Example: tracker ingest events.jsonl --run 4f2c…
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
        if let runID { _ = try store.run(id: runID) }
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
        printError("stored \(summary.stored) events in \(summary.batches) batches")
    }
}
