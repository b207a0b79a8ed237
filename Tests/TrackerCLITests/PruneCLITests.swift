import Foundation
import Testing

@testable import TrackerStore

/// `count` predictions of `m` (v1 live from epoch 0) over six hours from 2026-11-23T10:00Z,
/// every other one with an outcome, ingested through the binary.
func pruneCLIStore(_ tmp: TempDir, count: Int) throws -> [String] {
    let db = ["--db", tmp.db]
    try ok(["model", "register", "m"] + db)
    try ok(["promote", "m", "1", "--to", "production"] + db)
    let store = try Store.open(path: tmp.db)
    try store.db.write { c in try c.run("UPDATE deployments SET started_at = 0") }
    store.close()
    let t0: Int64 = 1_795_428_000_000  // 2026-11-23T10:00:00Z
    var lines: [String] = []
    for i in 0..<count {
        let t = t0 + Int64(i) * (6 * 3_600_000 / Int64(count))
        let y = (i * 7) % 10 < 3 ? 1 : 0
        let score = Double((i * 37) % 100) / 100 * 0.6 + (y == 1 ? 0.3 : 0.1)
        lines.append(#"{"type":"prediction","model":"m","env":"production","id":"p\#(i)","time":\#(t),"prediction":\#(score > 0.5 ? 1 : 0),"score":\#(score)}"#)
        if i % 2 == 0 { lines.append(#"{"type":"outcome","id":"p\#(i)","actual":\#(y),"time":\#(t + 3_600_000)}"#) }
    }
    try ok(["live", "ingest", tmp.write("events.jsonl", lines.joined(separator: "\n") + "\n")] + db)
    return db
}

/// A running `tracker` whose stderr is read line by line.
final class RunningTracker {
    let process = Process()
    private let stderr = Pipe()
    private var buffer = ""

    init(_ args: [String]) throws {
        process.executableURL = URL(fileURLWithPath: trackerBinary)
        process.arguments = args
        process.standardOutput = FileHandle.nullDevice
        process.standardError = stderr
        try process.run()
    }

    /// Reads stderr until a line contains `text` (false at end of output).
    func waitForLine(containing text: String) -> Bool {
        while !buffer.contains(text) {
            let data = stderr.fileHandleForReading.availableData
            if data.isEmpty { return false }
            buffer += String(decoding: data, as: UTF8.self)
        }
        return true
    }

    /// Waits for the process and returns its exit status.
    func finish() -> Int32 {
        _ = stderr.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return process.terminationStatus
    }
}

/// Raw predictions before the cut still stored.
func predictionsBefore(_ db: String, _ cut: Int64) throws -> Int {
    let store = try Store.open(path: db)
    defer { store.close() }
    return try store.db.read { c in try c.queryOne("SELECT count(*) FROM predictions WHERE time < ?", [.integer(cut)], { $0.int(0) }) ?? 0 }
}

@Suite struct PruneCLITests {
    static let cut = "2026-11-23T13:00:00Z"
    static let cutMillis: Int64 = 1_795_438_800_000

    @Test func pruneWorksInBatchesWithProgress() throws {
        let tmp = TempDir()
        let db = try pruneCLIStore(tmp, count: 600)
        let r = try tracker(["live", "prune", "--before", Self.cut, "--batch-size", "40"] + db)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("deleted 300 predictions and 150 outcomes made before 2026-11-23T13:00:00Z"), "\(r.stdout)")
        let progress = r.stderr.split(separator: "\n").filter { $0.hasPrefix("pruning m: ") }
        #expect(progress.count == 8 + 1, "\(r.stderr)")  // 300 / 40 → 8 chunks, then done
        #expect(progress.first == "pruning m: 40 predictions and 20 outcomes deleted")
        #expect(progress.last == "pruning m: 300 predictions and 150 outcomes deleted (done)")
        #expect(r.stderr.contains("pruning outcomes that met no prediction: 0 deleted (done)"))
        let bad = try tracker(["live", "prune", "--before", Self.cut, "--batch-size", "0"] + db)
        #expect(bad.status == 2 && bad.stderr.contains("--batch-size must be at least 1") && bad.stderr.contains("Usage: tracker live prune"))
    }

    /// SIGKILL mid-prune, then the same command again: the same gap as a prune never interrupted.
    @Test func aPruneKilledMidwayAndRunAgainGivesTheSameGap() throws {
        let tmp = TempDir()
        let db = try pruneCLIStore(tmp, count: 20_000)
        let copy = tmp.file("copy.db")
        try FileManager.default.copyItem(atPath: tmp.db, toPath: copy)
        try ok(["live", "prune", "--before", Self.cut, "--db", copy])
        let expected = try gapJSON(["--db", copy])

        let killed = try RunningTracker(["live", "prune", "--before", Self.cut, "--batch-size", "10"] + db)
        #expect(killed.waitForLine(containing: "pruning m: 20 predictions"))
        kill(killed.process.processIdentifier, SIGKILL)
        _ = killed.finish()
        #expect(killed.process.terminationReason == .uncaughtSignal)
        let left = try predictionsBefore(tmp.db, Self.cutMillis)
        #expect(left > 0 && left < 10_000, "killed with \(left) of 10,000 left")
        #expect(try gapJSON(db).text == expected.text, "the horizon is recorded first: the gap is already the pruned one")

        let rerun = try ok(["live", "prune", "--before", Self.cut] + db)
        #expect(rerun.contains("deleted \(left) predictions"), "\(rerun)")
        #expect(try predictionsBefore(tmp.db, Self.cutMillis) == 0)
        #expect(try gapJSON(db).text == expected.text)
    }

    /// An ingest from another process completes while a long prune runs.
    @Test func anIngestCompletesWhileAPruneRuns() throws {
        let tmp = TempDir()
        let db = try pruneCLIStore(tmp, count: 20_000)
        let prune = try RunningTracker(["live", "prune", "--before", Self.cut, "--batch-size", "10"] + db)
        #expect(prune.waitForLine(containing: "pruning m: 10 predictions"))
        let window =
            #"{"type":"window","model":"m","env":"production","metric":"latency_ms","start":"2026-11-23T15:00:00Z","end":"2026-11-23T16:00:00Z","value":12,"count":100,"std":1.5}"#
        let started = Date()
        let ingest = try tracker(["live", "ingest", tmp.write("window.jsonl", window + "\n")] + db)
        let waited = Date().timeIntervalSince(started)
        let pruneStillRunning = prune.process.isRunning
        #expect(ingest.status == 0, "\(ingest.stderr)")
        #expect(pruneStillRunning, "the ingest (\(waited) s) should not wait for the whole prune")
        #expect(prune.finish() == 0)
        #expect(try predictionsBefore(tmp.db, Self.cutMillis) == 0)
    }
}
