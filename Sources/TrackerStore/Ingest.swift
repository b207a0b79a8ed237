import Foundation
import SQLiteKit
import TrackerCore

/// Holds the error of a commit that ran on the writer queue.
final class ResultBox: @unchecked Sendable {
    // Safe: written by the writer queue before `group.leave()`, read after `group.wait()`.
    var error: Error?
    /// Experiments the batch created (committed only when `error` is nil).
    var created: [String] = []
}

/// What an ingestion wrote.
public struct IngestSummary: Sendable {
    /// Events stored (committed).
    public var stored = 0
    /// Runs started by `run_start` lines, in order.
    public var runsStarted: [String] = []
    /// Batches committed.
    public var batches = 0
    /// Experiments created on first use by `run_start` lines, in order.
    public var experimentsCreated: [String] = []
}

/// Turns JSON Lines events into committed batches. Each batch (up to `batchSize` events) is one
/// transaction: a bad line rejects its whole batch, and ingestion stops there.
public final class EventIngester {
    let store: Store
    let artifacts: ArtifactStore
    /// Name used in messages: the file path, or `-` for stdin.
    let source: String
    /// Folder that relative artifact paths are taken from.
    let baseDirectory: URL
    let batchSize: Int
    /// Experiment for `run_start` lines that name none.
    let defaultExperiment: String

    /// Called after each batch is durably committed, with the total events stored so far.
    public var onCommit: ((Int) -> Void)?

    /// The run events go to (from `--run`, or the last `run_start`).
    public private(set) var currentRun: String?
    public private(set) var summary = IngestSummary()

    private enum Op {
        case start(runID: String, experiment: String, name: String, tags: [KeyValue], time: Int64)
        case log(runID: String, batch: LogBatch, paramLines: [String: Int])
        case end(runID: String, status: RunStatus, time: Int64)
    }
    private var ops: [Op] = []
    private var pendingEvents = 0
    private var firstLine = 0
    private var lastLine = 0

    public init(
        store: Store, artifacts: ArtifactStore, source: String, baseDirectory: URL, run: String? = nil, batchSize: Int = 10_000,
        defaultExperiment: String = "Default"
    ) {
        self.store = store
        self.artifacts = artifacts
        self.source = source
        self.baseDirectory = baseDirectory
        self.currentRun = run
        self.batchSize = batchSize
        self.defaultExperiment = defaultExperiment
    }

    func lineError(_ line: Int, _ message: String) -> TrackerError {
        TrackerError.invalid("\(source):\(line): \(message)")
    }

    /// Adds one line; commits when the batch is full.
    public func consume(line: UnsafeBufferPointer<UInt8>, number: Int) throws {
        // Blank lines are allowed (editors add them).
        if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { return }
        let event: Event
        do {
            event = try Event.parse(line: line)
        } catch let e as TrackerError {
            throw reject(number, e.message)
        }
        if pendingEvents == 0 { firstLine = number }
        lastLine = number
        try add(event, line: number)
        pendingEvents += 1
        if pendingEvents >= batchSize { try submit() }
    }

    /// The error for a bad line, saying what was and was not written. A failed commit of the
    /// batch before it came first, so that error wins.
    func reject(_ line: Int, _ message: String) -> TrackerError {
        do { try waitForCommit() } catch { return (error as? TrackerError) ?? TrackerError(.storage, "\(error)") }
        let start = pendingEvents == 0 ? line : firstLine
        let range = start == line ? "line \(line)" : "lines \(start)–\(line)"
        ops.removeAll()
        pendingEvents = 0
        return lineError(
            line,
            "\(message); nothing from \(range) was written (\(summary.stored) earlier events were stored). Fix the line and ingest again from line \(start)"
        )
    }

    private func add(_ event: Event, line: Int) throws {
        switch event {
        case .runStart(let experiment, let name, let tags):
            let id = RunRepository.newRunID()
            ops.append(
                .start(
                    runID: id, experiment: experiment ?? defaultExperiment, name: name ?? "", tags: tags.map { KeyValue($0.0, $0.1) },
                    time: TimeParser.nowMillis()))
            currentRun = id
        case .runEnd(let status, let time):
            guard let run = currentRun else {
                throw reject(line, "run_end before any run_start; pass --run RUN_ID or add a run_start line")
            }
            ops.append(.end(runID: run, status: status, time: time ?? TimeParser.nowMillis()))
            currentRun = nil
        case .metric(let key, let value, let step, let time):
            try appendLog(line) { $0.metrics.append(MetricPoint(key: key, value: value, step: step, time: time ?? TimeParser.nowMillis())) }
        case .param(let key, let value):
            try appendLog(line, param: key) { $0.params.append(KeyValue(key, value)) }
        case .tag(let key, let value):
            try appendLog(line) { $0.tags.append(KeyValue(key, value)) }
        case .artifact(let path, let name):
            let url = path.hasPrefix("/") ? URL(fileURLWithPath: path) : baseDirectory.appendingPathComponent(path)
            let records: [ArtifactRecord]
            do {
                records = try artifacts.put(fileAt: url, as: name)
            } catch let e as TrackerError {
                throw reject(line, e.message)
            }
            try appendLog(line) { $0.artifacts.append(contentsOf: records) }
        }
    }

    private func appendLog(_ line: Int, param: String? = nil, _ update: (inout LogBatch) -> Void) throws {
        guard let run = currentRun else {
            throw reject(line, "event before any run_start; pass --run RUN_ID or start the file with a run_start line")
        }
        if case .log(let r, var batch, var lines) = ops.last, r == run {
            ops.removeLast()
            update(&batch)
            if let param { lines[param] = line }
            ops.append(.log(runID: run, batch: batch, paramLines: lines))
        } else {
            var batch = LogBatch()
            update(&batch)
            ops.append(.log(runID: run, batch: batch, paramLines: param.map { [$0: line] } ?? [:]))
        }
    }

    /// Commits the pending batch in one transaction and waits for it.
    public func flush() throws {
        try submit()
        try waitForCommit()
    }

    /// A batch being committed on the writer queue while the next one is parsed.
    private struct InFlight {
        let group: DispatchGroup
        let result: ResultBox
        let events: Int
        let started: [String]
    }
    private var inFlight: InFlight?
    private let writer = DispatchQueue(label: "tracker.ingest.writer")

    /// Waits for the batch in flight, if any; its error (the first one) is rethrown.
    func waitForCommit() throws {
        guard let f = inFlight else { return }
        f.group.wait()
        inFlight = nil
        if let e = f.result.error { throw e }
        summary.stored += f.events
        summary.batches += 1
        summary.runsStarted += f.started
        summary.experimentsCreated += f.result.created
        onCommit?(summary.stored)
    }

    /// Hands the pending batch to the writer queue (after the previous one has committed), so
    /// parsing the next batch overlaps with writing this one.
    func submit() throws {
        try waitForCommit()
        guard pendingEvents > 0 else { return }
        let ops = self.ops
        var keys = Set<String>()
        for case .log(_, let b, _) in ops { for m in b.metrics { keys.insert(m.key) } }
        let keyIDs = try store.metrics.internKeys(keys)
        let job = CommitJob(
            store: store, ops: ops, keyIDs: keyIDs, source: source, first: firstLine, last: lastLine, storedBefore: summary.stored)
        let box = ResultBox()
        let group = DispatchGroup()
        group.enter()
        writer.async {
            do { box.created = try job.run() } catch { box.error = error }
            group.leave()
        }
        var started: [String] = []
        for case .start(let id, _, _, _, _) in ops { started.append(id) }
        inFlight = InFlight(group: group, result: box, events: pendingEvents, started: started)
        self.ops.removeAll(keepingCapacity: true)
        pendingEvents = 0
    }

    /// One batch's writes, run on the writer queue.
    private struct CommitJob: @unchecked Sendable {
        // Safe: built on the parsing thread, then only read by the writer queue; the parsing
        // thread never touches it again (it waits on the group before reading results).
        let store: Store
        let ops: [Op]
        let keyIDs: [String: Int64]
        let source: String
        let first: Int
        let last: Int
        let storedBefore: Int

        /// Writes the batch; returns the experiments it created.
        func run() throws -> [String] {
            do {
                return try store.db.write { c in
                    var created: [String] = []
                    for op in ops {
                        switch op {
                        case .start(let runID, let experiment, let name, let tags, let time):
                            if try startRun(c, runID: runID, experiment: experiment, name: name, tags: tags, time: time) { created.append(experiment) }
                        case .log(let runID, let batch, let paramLines):
                            try log(c, runID: runID, batch: batch, paramLines: paramLines)
                        case .end(let runID, let status, let time):
                            _ = try RunRepository.updateRun(c, runID: runID, status: status, endTime: time, name: nil)
                        }
                    }
                    return created
                }
            } catch let e as TrackerError {
                let range = first == last ? "line \(first)" : "lines \(first)–\(last)"
                throw TrackerError(
                    e.kind == .notFound ? .notFound : .invalidInput,
                    "\(e.message); nothing from \(range) was written (\(storedBefore) earlier events were stored)")
            } catch {
                throw Store.describe(error, path: store.path)
            }
        }

        /// Inserts a run, creating its experiment on first use; true when the experiment was created.
        func startRun(_ c: Connection, runID: String, experiment: String, name: String, tags: [KeyValue], time: Int64) throws -> Bool {
            var created = false
            var exp = try ExperimentRepository.findExperiment(c, name: experiment)
            if exp == nil {
                exp = try ExperimentRepository.insertExperiment(c, name: experiment, description: "", artifactLocation: nil, tags: [], now: time)
                created = true
            }
            _ = try RunRepository.insertRun(
                c, experimentID: exp!.id, name: name, userID: RunRepository.currentUser(), startTime: time, tags: tags, runID: runID)
            return created
        }

        /// Writes a batch to an active run; errors name the line they come from.
        func log(_ c: Connection, runID: String, batch: LogBatch, paramLines: [String: Int]) throws {
            let key: Int64
            let stage: String
            do {
                (key, stage) = try RunRepository.runKey(c, runID)
            } catch let e as TrackerError {
                throw TrackerError.invalid("\(source):\(first): \(e.message)")
            }
            if stage != "active" {
                throw TrackerError.invalid("\(source):\(first): run \(runID) is deleted; restore it first")
            }
            do {
                try MetricRepository.writeBatch(c, runKey: key, runID: runID, batch: batch, keyIDs: keyIDs)
            } catch let e as TrackerError where e.kind == .conflict {
                let line = paramLines.first { e.message.contains("'\($0.key)'") }?.value ?? first
                throw TrackerError.invalid("\(source):\(line): \(e.message)")
            }
        }
    }

    /// Reads every line from `fd`, then commits what is left.
    public func ingest(fd: Int32) throws -> IngestSummary {
        var reader = LineReader(fd: fd)
        do {
            try reader.forEachLine { line, n in
                try consume(line: line, number: n)
                return true
            }
        } catch let e as LineTooLong {
            throw reject(e.line, e.description)
        }
        try flush()
        return summary
    }
}
