import Foundation
import Testing
import TrackerCore
import TrackerStore

@testable import tracker

/// Issue 12's walkthrough findings for the run, registry, database and server commands: each
/// test runs the real `tracker` against a scratch database.
@Suite struct NewUserCLITests {
    /// A run with one metric, registered as `tumor` version 1; returns the run id.
    func registered(_ tmp: TempDir, accuracy: String = "0.954954954954955") throws -> String {
        let db = ["--db", tmp.db]
        let run = try ok(["run", "start", "--experiment", "tumor"] + db).trimmingCharacters(in: .whitespacesAndNewlines)
        try ok(["log", "metric", run, "accuracy", accuracy] + db)
        try ok(["model", "register", "tumor", "--run", run] + db)
        return run
    }

    // MARK: - 2: run exec --help

    @Test func runExecHelpShowsHelpAndCreatesNothing() throws {
        let tmp = TempDir()
        for args in [["--help"], ["-h"], ["--experiment", "x", "--help", "--", "python", "train.py"]] {
            let r = try tracker(["run", "exec", "--db", tmp.db] + args)
            #expect(r.status == 0, "\(args): \(r.stderr)")
            #expect(r.stdout.contains("USAGE: tracker run exec"), "\(args): \(r.stdout)")
            #expect(!FileManager.default.fileExists(atPath: tmp.db), "\(args) created the database")
        }
        // After `--`, -h belongs to the command.
        let r = try tracker(["run", "exec", "--db", tmp.db, "--", "sh", "-c", "exit 0", "-h"])
        #expect(r.status == 0)
        #expect(try JSON.parse(try ok(["run", "list", "--json", "--db", tmp.db])).arrayValue?.count == 1)
    }

    // MARK: - 3: checkpoints and backups

    @Test func afterACommandTheDatabaseFileAloneHoldsTheData() throws {
        let tmp = TempDir()
        let run = try ok(["run", "start", "--experiment", "e", "--db", tmp.db]).trimmingCharacters(in: .whitespacesAndNewlines)
        try ok(["log", "metric", run, "loss", "0.5", "--db", tmp.db])
        #expect(!FileManager.default.fileExists(atPath: tmp.db + "-wal"), "the WAL was not checkpointed and removed")
        let copy = tmp.file("copy.db")
        try FileManager.default.copyItem(atPath: tmp.db, toPath: copy)
        let shown = try JSON.parse(try ok(["run", "show", run, "--json", "--db", copy]))
        #expect(shown["metrics"]?.arrayValue?.first?["value"] == .double(0.5))
    }

    @Test func dbBackupWritesACompleteCopyAndRefusesToOverwrite() throws {
        let tmp = TempDir()
        let run = try registered(tmp)
        let backup = tmp.file("backup.db")
        let out = try ok(["db", "backup", backup, "--db", tmp.db])
        #expect(out.contains("backed up") && out.contains("backup.db"))
        #expect(try JSON.parse(try ok(["run", "show", run, "--json", "--db", backup]))["info"]?["run_id"] == .string(run))
        let again = try tracker(["db", "backup", backup, "--db", tmp.db])
        #expect(again.status == 1)
        #expect(again.stderr.contains("already exists; pass --force"))
        try ok(["log", "metric", run, "loss", "0.25", "--db", tmp.db])
        try ok(["db", "backup", backup, "--force", "--db", tmp.db])
        let shown = try JSON.parse(try ok(["run", "show", run, "--json", "--db", backup]))
        #expect(shown["metrics"]?.arrayValue?.contains { $0["key"] == .string("loss") } == true)
        let missing = try tracker(["db", "backup", tmp.file("b2.db"), "--db", tmp.file("none.db")])
        #expect(missing.status == 1 && missing.stderr.contains("no tracker database at"))
        #expect(!FileManager.default.fileExists(atPath: tmp.file("none.db")))
    }

    @Test func serverCheckpointsWhileRunningAndOnShutdown() throws {
        let tmp = TempDir()
        let server = try ServerProcess(["serve", "--port", "0", "--db", tmp.db, "--checkpoint-interval", "1"])
        defer { server.stop() }
        // The server created the schema; a CLI write joins it while the server holds the file open.
        let run = try ok(["run", "start", "--experiment", "live", "--db", tmp.db]).trimmingCharacters(in: .whitespacesAndNewlines)
        // A backup is safe while the server has the file open.
        let backup = tmp.file("while-serving.db")
        try ok(["db", "backup", backup, "--db", tmp.db])
        #expect(try JSON.parse(try ok(["run", "show", run, "--json", "--db", backup]))["info"]?["run_id"] == .string(run))
        Thread.sleep(forTimeInterval: 2.5)
        let copy = tmp.file("copy.db")
        try FileManager.default.copyItem(atPath: tmp.db, toPath: copy)
        let shown = try tracker(["run", "show", run, "--json", "--db", copy])
        #expect(shown.status == 0, "a periodic checkpoint should have put the run into the file: \(shown.stderr)")
        #expect(server.stop() == 0)
        #expect(!FileManager.default.fileExists(atPath: tmp.db + "-wal"), "shutdown should checkpoint and remove the WAL")
    }

    // MARK: - 6, 7, 16: promote output

    @Test(arguments: TestBackend.all) func humanOutputHasFourSignificantDigitsAndJSONKeepsFullPrecision(_ backend: TestBackend) throws {
        let tmp = try TempDir(backend)
        let db = ["--db", tmp.db]
        let run = try registered(tmp)
        let promote = try ok(["promote", "tumor", "1", "--to", "staging", "--require", "accuracy >= 0.9"] + db)
        #expect(promote.contains("PASS  accuracy >= 0.9  (accuracy = 0.955)"), "\(promote)")
        #expect(try ok(["model", "show", "tumor"] + db).contains("0.955"))
        let show = try ok(["run", "show", run] + db)
        #expect(show.contains("accuracy  0.955 ") && !show.contains("0.95495"), "\(show)")
        let list = try ok(["run", "list", "--experiment", "tumor"] + db)
        #expect(list.contains("0.955") && !list.contains("0.95495"), "\(list)")
        let json = try JSON.parse(try ok(["model", "show", "tumor", "--json"] + db))
        #expect(json["versions"]?.arrayValue?.first?["offline_metrics"]?["accuracy"] == .double(0.954954954954955))
        let history = try JSON.parse(try ok(["deployments", "--json"] + db))
        #expect(history.arrayValue?.first?["gates"]?.arrayValue?.first?["detail"] == .string("accuracy = 0.954954954954955"))
    }

    @Test(arguments: TestBackend.all) func blockedPromoteSaysSoOnceOnStderrAfterTheTable(_ backend: TestBackend) throws {
        let tmp = try TempDir(backend)
        _ = try registered(tmp, accuracy: "0.8")
        let r = try tracker(["promote", "tumor", "1", "--to", "production", "--require", "accuracy >= 0.9", "--db", tmp.db])
        #expect(r.status == 3)
        #expect(r.stdout.contains("FAIL  accuracy >= 0.9  (accuracy = 0.8)"))
        #expect(!r.stdout.contains("NOT promoted"), "the failure belongs on stderr only: \(r.stdout)")
        #expect(r.stderr.components(separatedBy: "NOT promoted").count == 2, "once on stderr: \(r.stderr)")
        // Piped together, the failure line comes after the gate table.
        let both = try combinedOutput(["promote", "tumor", "1", "--to", "production", "--require", "accuracy >= 0.9", "--db", tmp.db])
        let fail = both.range(of: "FAIL  accuracy")
        let error = both.range(of: "NOT promoted")
        #expect(fail != nil && error != nil && fail!.lowerBound < error!.lowerBound, "\(both)")
    }

    @Test(arguments: TestBackend.all) func promoteByAliasNamesTheVersion(_ backend: TestBackend) throws {
        let tmp = try TempDir(backend)
        let db = ["--db", tmp.db]
        _ = try registered(tmp)
        _ = try registered(tmp)
        try ok(["model", "alias", "tumor", "champion", "2"] + db)
        let out = try ok(["promote", "tumor", "champion", "--to", "staging"] + db)
        #expect(out.contains("promoted tumor version 2 (alias champion) to staging (first deployment there)"), "\(out)")
        let again = try JSON.parse(try ok(["promote", "tumor", "champion", "--to", "staging", "--json"] + db))
        #expect(again["version"] == .int(2) && again["alias"] == .string("champion") && again["from_version"] == .int(2))
    }

    // MARK: - 8, 12: usage errors

    @Test(arguments: TestBackend.all) func unknownGateOperatorIsNamedWithTheValidOnes(_ backend: TestBackend) throws {
        let tmp = try TempDir(backend)
        _ = try registered(tmp)
        let r = try tracker(["gate", "set", "tumor", "--env", "production", "--require", "accuracy => 0.9", "--db", tmp.db])
        #expect(r.status == 2)
        #expect(r.stderr.contains("unknown operator '=>'") && r.stderr.contains(">= > <= < == !="), "\(r.stderr)")
        #expect(r.stderr.contains("Usage: tracker gate set"))
        #expect(throws: TrackerError.self) { try GateExpression.parse("accuracy ! 0.9") }
        #expect(try GateExpression.parse("accuracy >= -0.5").threshold == -0.5)
        #expect(try GateExpression.parse("loss<=1e-3").op == .le)
    }

    @Test(arguments: TestBackend.all) func usageErrorsExitTwoWithTheSubcommandsUsage(_ backend: TestBackend) throws {
        let tmp = try TempDir(backend)
        let run = try registered(tmp)
        let cases: [([String], String)] = [
            (["run", "end", run, "--status", "DONE"], "Usage: tracker run end"),
            (["model", "eval", "tumor", "--metric", "accuracy=0.9"], "Usage: tracker model eval"),
            (["model", "eval", "tumor/1", "--metric", "accuracy=high"], "Usage: tracker model eval"),
            (["report", "--week", "2026-W99"], "Usage: tracker report"),
            (["report", "--format", "pdf"], "Usage: tracker report"),
            (["report", "--tz", "Mars/Olympus"], "Usage: tracker report"),
            (["serve", "--log-level", "loud"], "Usage: tracker serve"),
            (["serve", "--pg-connections", "0"], "Usage: tracker serve"),
            (["run", "list", "--filter", "metrics.acc >"], "Usage: tracker run list"),
            (["log", "metric", run, "loss", "0.1", "--time", "yesterday"], "Usage: tracker log metric"),
            (["deployments", "--at", "soon"], "Usage: tracker deployments"),
            (["promote", "tumor", "1", "--to", "staging", "--require", "accuracy"], "Usage: tracker promote"),
        ]
        for (args, usage) in cases {
            let r = try tracker(args + ["--db", tmp.db])
            #expect(r.status == 2, "\(args) exited \(r.status): \(r.stderr)")
            #expect(r.stderr.contains(usage), "\(args): \(r.stderr)")
        }
        let status = try tracker(["run", "end", run, "--status", "DONE", "--db", tmp.db])
        #expect(status.stderr.contains("FINISHED") && status.stderr.contains("KILLED"), "valid values listed: \(status.stderr)")
        let level = try tracker(["serve", "--log-level", "loud", "--db", tmp.db])
        #expect(level.stderr.contains("critical"), "\(level.stderr)")
    }

    // MARK: - 14: experiments created on first use

    @Test(arguments: TestBackend.all) func creatingAnExperimentOnFirstUseIsAnnounced(_ backend: TestBackend) throws {
        let tmp = try TempDir(backend)
        let db = ["--db", tmp.db]
        let first = try tracker(["run", "start", "--experiment", "typo-experimnt"] + db)
        #expect(first.status == 0 && first.stderr.contains("created experiment 'typo-experimnt'"), "\(first.stderr)")
        let second = try tracker(["run", "start", "--experiment", "typo-experimnt"] + db)
        #expect(second.status == 0 && !second.stderr.contains("created experiment"))
        let exec = try tracker(["run", "exec", "--experiment", "exec-exp"] + db + ["--", "true"])
        #expect(exec.status == 0 && exec.stderr.contains("created experiment 'exec-exp'"), "\(exec.stderr)")
        let events = tmp.write("events.jsonl", #"{"type":"run_start","experiment":"from-file"}"# + "\n")
        let ingest = try tracker(["ingest", events] + db)
        #expect(ingest.status == 0 && ingest.stderr.contains("created experiment 'from-file'"), "\(ingest.stderr)")
        let reingest = try tracker(["ingest", events] + db)
        #expect(!reingest.stderr.contains("created experiment"))
    }

    // MARK: - 15: short run ids

    @Test(arguments: TestBackend.all) func aUniquePrefixOfSixCharactersNamesARun(_ backend: TestBackend) throws {
        let tmp = try TempDir(backend)
        let db = ["--db", tmp.db]
        let run = try registered(tmp)
        let short = String(run.prefix(8))
        #expect(try JSON.parse(try ok(["run", "show", short, "--json"] + db))["info"]?["run_id"] == .string(run))
        try ok(["log", "metric", short, "loss", "0.3"] + db)
        try ok(["log", "param", String(run.prefix(6)), "lr", "0.1"] + db)
        try ok(["log", "tag", short.uppercased(), "team", "a"] + db)
        #expect(try ok(["metric", "history", short, "loss"] + db).contains("0.3"))
        #expect(try ok(["model", "register", "tumor", "--run", short] + db).contains("from run \(run)"))
        let events = tmp.write("e.jsonl", #"{"type":"metric","key":"f1","value":0.5}"# + "\n")
        try ok(["ingest", events, "--run", short] + db)
        try ok(["run", "end", short] + db)
        let tooShort = try tracker(["run", "show", String(run.prefix(5))] + db)
        #expect(tooShort.status == 1 && tooShort.stderr.contains("too short: give at least 6 characters"), "\(tooShort.stderr)")
        let unknown = try tracker(["run", "show", "ffffff0"] + db)
        #expect(unknown.status == 1 && unknown.stderr.contains("not found"))
        // Two runs sharing a prefix: the error lists both.
        let other = try ok(["run", "start"] + db).trimmingCharacters(in: .whitespacesAndNewlines)
        let store = try Store.open(path: tmp.db)
        try store.db.write { c in
            try c.run("UPDATE runs SET run_uuid = ? WHERE run_uuid = ?", [.text("abcdef01" + String(run.dropFirst(8))), .text(run)])
            try c.run("UPDATE runs SET run_uuid = ? WHERE run_uuid = ?", [.text("abcdef02" + String(other.dropFirst(8))), .text(other)])
        }
        store.close()
        let ambiguous = try tracker(["run", "show", "abcdef0"] + db)
        #expect(ambiguous.status == 1)
        #expect(ambiguous.stderr.contains("ambiguous") && ambiguous.stderr.contains("abcdef01") && ambiguous.stderr.contains("abcdef02"))
        try ok(["run", "show", "abcdef02"] + db)
    }

    // MARK: - 17, 18: listings

    @Test(arguments: TestBackend.all) func metricHistoryHasISOTimesInAlignedColumns(_ backend: TestBackend) throws {
        let tmp = try TempDir(backend)
        let db = ["--db", tmp.db]
        let run = try ok(["run", "start"] + db).trimmingCharacters(in: .whitespacesAndNewlines)
        try ok(["log", "metric", run, "loss", "0.5", "--step", "1", "--time", "2026-11-23T10:00:00Z"] + db)
        try ok(["log", "metric", run, "loss", "0.25", "--step", "100", "--time", "2026-11-23T10:00:01.500Z"] + db)
        let lines = try ok(["metric", "history", run, "loss"] + db).split(separator: "\n").map(String.init)
        #expect(lines.count == 3)
        #expect(!lines.joined().contains("\t"))
        #expect(lines[1].contains("2026-11-23T10:00:00Z") && lines[2].contains("2026-11-23T10:00:01.500Z"))
        let valueColumn = lines.map { $0.range(of: $0 == lines[0] ? "VALUE" : ($0 == lines[1] ? "0.5" : "0.25"))!.lowerBound }
        let offsets = zip(lines, valueColumn).map { $0.0.distance(from: $0.0.startIndex, to: $0.1) }
        #expect(Set(offsets).count == 1, "VALUE column not aligned: \(lines)")
        let json = try JSON.parse(try ok(["metric", "history", run, "loss", "--json"] + db))
        #expect(json.arrayValue?.first?["timestamp"] == .int(try TimeParser.parse("2026-11-23T10:00:00Z")))
    }

    @Test func fastHistoryTimesMatchTheStandardFormat() {
        var iso = FastISOTime()
        var samples: [Int64] = [0, 1, 5, 10, 999, 1000, -1, -86_400_000, -86_400_001, 1_795_168_800_000, 1_795_168_800_005]
        var x: Int64 = 1_764_000_000_000
        for _ in 0..<2000 {
            x += 7_919_123
            samples.append(x)
        }
        for ms in samples { #expect(iso.format(ms) == TimeParser.format(ms), "\(ms)") }
    }

    @Test(arguments: TestBackend.all) func deploymentsAtATimeWithNothingLivePrintsOnlyTheMessage(_ backend: TestBackend) throws {
        let tmp = try TempDir(backend)
        _ = try registered(tmp)
        let out = try ok(["deployments", "--at", "2026-11-26", "--db", tmp.db])
        #expect(out == "nothing was live at 2026-11-26T00:00:00Z\n", "\(out)")
    }
}

/// What `tracker args` writes to stdout and stderr through one pipe (as `2>&1` does).
func combinedOutput(_ args: [String]) throws -> String {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: trackerBinary)
    p.arguments = args
    let pipe = Pipe()
    p.standardOutput = pipe
    p.standardError = pipe
    try p.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return String(decoding: data, as: UTF8.self)
}

/// A `tracker serve` process on a free port, stopped with SIGTERM.
final class ServerProcess {
    let process = Process()
    let port: Int

    init(_ args: [String]) throws {
        process.executableURL = URL(fileURLWithPath: trackerBinary)
        process.arguments = args
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        // The first line says where it listens: "… listening on http://127.0.0.1:PORT (…".
        var line = Data()
        while !line.contains(UInt8(ascii: "\n")) {
            let chunk = out.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            line.append(chunk)
        }
        let text = String(decoding: line, as: UTF8.self)
        guard let r = text.range(of: #":(\d+) "#, options: .regularExpression), let p = Int(text[r].dropFirst().dropLast()) else {
            process.terminate()
            throw TrackerError.invalid("tracker serve did not start: \(text)")
        }
        port = p
    }

    /// Sends SIGTERM and waits; returns the exit status.
    @discardableResult
    func stop() -> Int32 {
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
        return process.terminationStatus
    }
}

/// `promote`'s must-beat-current reads the direction configured with `live config --direction`.
@Suite struct PromoteDirectionCLITests {
    @Test(arguments: TestBackend.all) func mustBeatUsesTheConfiguredDirection(_ backend: TestBackend) throws {
        let dir = try TempDir(backend)
        let db = ["--db", dir.db]
        try ok(["model", "register", "drifty"] + db)
        try ok(["model", "register", "drifty"] + db)
        try ok(["model", "eval", "drifty/1", "--metric", "score_drift=0.3"] + db)
        try ok(["model", "eval", "drifty/2", "--metric", "score_drift=0.1"] + db)
        try ok(["promote", "drifty", "1", "--to", "production"] + db)
        let blocked = try tracker(["promote", "drifty", "2", "--to", "production", "--must-beat-current", "score_drift", "--dry-run"] + db)
        #expect(blocked.status == 3, "by name score_drift is higher-is-better: \(blocked.stdout)")
        try ok(["live", "config", "drifty", "--direction", "score_drift=lower"] + db)
        let passes = try tracker(["promote", "drifty", "2", "--to", "production", "--must-beat-current", "score_drift", "--dry-run"] + db)
        #expect(passes.status == 0, "\(passes.stdout)\(passes.stderr)")
        #expect(passes.stdout.contains("lower is better"))
    }
}
