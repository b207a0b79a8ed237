import ArgumentParser
import Foundation
import TrackerCore
import TrackerReport
import TrackerStore

struct RunExec: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "exec", abstract: "Run a command as a tracked run, ingesting the events it writes to $TRACKER_EVENTS.",
        discussion: """
            Creates a run, records the command line, working directory, git commit and
            dirty flag, host and user, and exports TRACKER_RUN_ID, TRACKER_DB and
            TRACKER_EVENTS to the command. Events are ingested while the command runs
            and after it exits. The run ends FINISHED (exit 0), FAILED (non-zero exit)
            or KILLED (a signal, e.g. Ctrl-C); tracker exits with the command's own
            status (128+N after signal N).
            Example:
              tracker run exec --experiment churn --name gbm -- python train.py --lr 0.1
            """)
    @OptionGroup var options: DBOptions
    @OptionGroup var artifactOptions: ArtifactOptions
    @Option(help: "Experiment name (created on first use).") var experiment = "Default"
    @Option(help: "Run name.") var name = ""
    @Option(name: .customLong("tag"), help: "A tag, key=value (repeatable).") var tags: [String] = []
    @Argument(parsing: .captureForPassthrough, help: "The command and its arguments, after --.") var command: [String] = []

    func validate() throws {
        // The passthrough argument captures everything, tracker's own --help included: before
        // `--` (or as the first word) it asks for this help, not for the command's.
        let ours = command.contains("--") ? command.prefix { $0 != "--" } : command.prefix(1)
        if ours.contains(where: { $0 == "--help" || $0 == "-h" }) { throw CleanExit.helpRequest(self) }
        if command.first == "--" && command.count == 1 || command.isEmpty {
            throw ValidationError("give the command to run after --, e.g. tracker run exec -- python train.py")
        }
        // `tracker` reads --db anywhere before `--` (so `tracker --db X run exec …` works): without
        // `--`, a --db meant for the command would be taken as the database's path.
        if options.db != nil && command.first != "--" {
            throw ValidationError("with --db, give the command after --, e.g. tracker run exec --db PATH -- \(command.joined(separator: " "))")
        }
        _ = try parsePairs(tags, "tag")
    }

    func run() throws {
        let argv = command.first == "--" ? Array(command.dropFirst()) : command
        let store = try options.open()
        let exp = try ensureExperiment(store, experiment)
        let cwd = FileManager.default.currentDirectoryPath
        let info = try store.runs.createRun(experimentID: exp.id, name: name, tags: try startTags(argv: argv, cwd: cwd))
        let eventsDir = FileManager.default.temporaryDirectory.appendingPathComponent("tracker-\(info.runID)")
        try FileManager.default.createDirectory(at: eventsDir, withIntermediateDirectories: true)
        let eventsPath = eventsDir.appendingPathComponent("events.jsonl").path
        _ = FileManager.default.createFile(atPath: eventsPath, contents: nil)
        defer { try? FileManager.default.removeItem(at: eventsDir) }
        printError("tracker: run \(info.runID) (experiment \(exp.name))")

        let start = TimeParser.nowMillis()
        let process = try launch(argv, runID: info.runID, store: store, eventsPath: eventsPath)
        // Forward termination signals to the command; it decides how to stop. Installed after
        // the spawn, so the command does not inherit the ignored dispositions.
        let forwarder = SignalForwarder(signals: [SIGINT, SIGTERM, SIGHUP, SIGQUIT], target: process.processIdentifier)
        defer { withExtendedLifetime(forwarder) {} }
        let (ingester, ingestError) = ingest(while: process, store: store, runID: info.runID, eventsPath: eventsPath, cwd: cwd)
        try finish(process, store: store, runID: info.runID, start: start, ingester: ingester, ingestError: ingestError)
    }

    /// The run's tags at start: the user's, the command line, where and on what commit it runs.
    func startTags(argv: [String], cwd: String) throws -> [KeyValue] {
        var runTags = try parsePairs(tags, "tag")
        let commandLine = argv.map { $0.contains(" ") ? "'\($0)'" : $0 }.joined(separator: " ")
        runTags += [
            KeyValue("mlflow.source.name", argv[0]), KeyValue("mlflow.source.type", "LOCAL"), KeyValue("tracker.command", commandLine),
            KeyValue("tracker.cwd", cwd), KeyValue("tracker.host", ProcessInfo.processInfo.hostName),
        ]
        if let git = gitInfo(cwd) {
            runTags.append(KeyValue("mlflow.source.git.commit", git.commit))
            runTags.append(KeyValue("tracker.git.dirty", git.dirty ? "true" : "false"))
        }
        return runTags
    }

    /// Starts the command with the run's environment; a command that cannot start fails the run.
    func launch(_ argv: [String], runID: String, store: Store, eventsPath: String) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = argv
        var env = ProcessInfo.processInfo.environment
        env["TRACKER_RUN_ID"] = runID
        // The database as given, not `store.path`: that is the display form, without a password.
        env["TRACKER_DB"] = absolutePath(options.path)
        env["TRACKER_EVENTS"] = eventsPath
        if let a = artifactOptions.artifacts { env["TRACKER_ARTIFACTS"] = absolutePath(a) }
        process.environment = env
        // The command gets default signal dispositions even when tracker was started with some
        // ignored (a background job ignores SIGINT): Ctrl-C must reach it.
        // Likewise a signal blocked by whoever started tracker would stay blocked in the command.
        var set = sigset_t()
        sigemptyset(&set)
        for sig in [SIGINT, SIGTERM, SIGHUP, SIGQUIT] {
            signal(sig, SIG_DFL)
            sigaddset(&set, sig)
        }
        pthread_sigmask(SIG_UNBLOCK, &set, nil)
        do {
            try process.run()
        } catch {
            _ = try? store.runs.updateRun(runID: runID, status: .failed)
            throw TrackerError.invalid("cannot start '\(argv[0])': \(error.localizedDescription)")
        }
        return process
    }

    /// Ingests the events file every 100 ms while the command runs, then what is left after it
    /// exits. The first ingest error stops ingesting (the command keeps running) and is returned.
    func ingest(while process: Process, store: Store, runID: String, eventsPath: String, cwd: String) -> (EventIngester, Error?) {
        let fd = open(eventsPath, O_RDONLY)
        defer { close(fd) }
        let ingester = EventIngester(
            store: store, artifacts: artifactOptions.store(for: options), source: "$TRACKER_EVENTS",
            baseDirectory: URL(fileURLWithPath: cwd),
            run: runID, batchSize: 10_000, defaultExperiment: experiment)
        var reader = LineReader(fd: fd)
        var ingestError: Error?
        func drain(final: Bool) {
            guard ingestError == nil else { return }
            do {
                try reader.forEachLine(final: final) { line, n in
                    try ingester.consume(line: line, number: n)
                    return true
                }
                try ingester.flush()
            } catch {
                ingestError = error
                printError("tracker: error: \(error)")
                printError("tracker: events after that line are not ingested; the command keeps running")
            }
        }
        while process.isRunning {
            drain(final: false)
            usleep(100_000)
        }
        process.waitUntilExit()
        drain(final: true)
        return (ingester, ingestError)
    }

    /// Ends the run with the command's outcome and exits with the command's own status.
    func finish(_ process: Process, store: Store, runID: String, start: Int64, ingester: EventIngester, ingestError: Error?) throws {
        let signaled = process.terminationReason == .uncaughtSignal
        let code = process.terminationStatus
        let status: RunStatus = signaled ? .killed : (code == 0 ? .finished : .failed)
        var endTags = [KeyValue("tracker.duration_ms", String(TimeParser.nowMillis() - start))]
        endTags.append(signaled ? KeyValue("tracker.signal", String(code)) : KeyValue("tracker.exit_code", String(code)))
        if let ingestError {
            endTags.append(KeyValue("tracker.ingest_error", String(describing: ingestError).prefix(Limits.tagValueLength).description))
        }
        try store.metrics.log(runID: runID, LogBatch(tags: endTags))
        try store.runs.updateRun(runID: runID, status: status)
        for e in ingester.summary.experimentsCreated { printError("created experiment '\(e)'") }
        printError("tracker: run \(runID) \(status.rawValue) (\(ingester.summary.stored) events)")
        throw ExitCode(signaled ? 128 + code : code)
    }

    func gitInfo(_ dir: String) -> (commit: String, dirty: Bool)? {
        func git(_ args: [String]) -> String? {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            p.arguments = ["git", "-C", dir] + args
            let out = Pipe()
            p.standardOutput = out
            p.standardError = FileHandle.nullDevice
            guard (try? p.run()) != nil else { return nil }
            let data = out.fileHandleForReading.readDataToEndOfFile()
            p.waitUntilExit()
            return p.terminationStatus == 0 ? String(decoding: data, as: UTF8.self) : nil
        }
        guard let commit = git(["rev-parse", "HEAD"])?.trimmingCharacters(in: .whitespacesAndNewlines), !commit.isEmpty else { return nil }
        let dirty = !(git(["status", "--porcelain", "--untracked-files=no"]) ?? "").isEmpty
        return (commit, dirty)
    }
}

/// Ignores the given signals in this process and forwards them to `target` once set.
final class SignalForwarder: Sendable {
    let target: Int32
    // Safe: written only in init, before any handler can run; never mutated after.
    nonisolated(unsafe) private var sources: [DispatchSourceSignal] = []

    init(signals: [Int32], target: Int32) {
        self.target = target
        for sig in signals {
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            source.setEventHandler { [weak self] in
                guard let self else { return }
                kill(self.target, sig)
            }
            source.resume()
            sources.append(source)
        }
    }
}
