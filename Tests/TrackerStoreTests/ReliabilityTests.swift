import Foundation
import SQLiteKit
import Testing
import TrackerCore

@testable import TrackerStore

/// A database written by the first released schema (0001), with data in every table, upgrades
/// through every later migration with nothing lost, and its backup restores.
@Suite struct MigrationFixtureTests {
    static let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/schema-0001.sql")

    func counts(_ db: String) throws -> [String: Int] {
        let d = try Database(path: db, mode: .readWrite)
        var out: [String: Int] = [:]
        for t in ["experiments", "experiment_tags", "runs", "params", "run_tags", "metric_keys", "metrics", "latest_metrics", "artifacts"] {
            out[t] = try d.read { try $0.queryOne("SELECT count(*) FROM \(t)") { $0.int(0) } ?? -1 }
        }
        return out
    }

    @Test func upgradesThroughEveryMigrationAndTheBackupRestores() throws {
        let tmp = TempDir()
        do {
            let c = try Connection(path: tmp.db)
            try c.execute(try String(contentsOf: Self.fixture, encoding: .utf8))
        }
        let before = try counts(tmp.db)
        #expect(before["metrics"] == 5 && before["artifacts"] == 1)
        // Ordinary use asks for the migration first.
        let refused = try tracker(["run", "list", "--db", tmp.db])
        #expect(refused.status == 1 && refused.stderr.contains("run 'tracker db migrate'"))
        let out = try ok(["db", "migrate", "--db", tmp.db])
        #expect(out.contains("backup:"))
        for m in Migration.embedded.dropFirst() { #expect(out.contains("applied \(m.label)")) }
        #expect(try counts(tmp.db) == before)
        // Spot values, through the CLI: NaN and Infinity survived, params and artifacts too.
        let run = try JSON.parse(try ok(["run", "show", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "--json", "--db", tmp.db]))
        #expect(run["params"]?["lr"] == .string("0.01"))
        #expect(run["metrics"]?.arrayValue?.first { $0["key"] == .string("loss") }?["value"] == .string("NaN"))
        #expect(run["artifacts"]?.arrayValue?.first?["path"] == .string("model/model.pkl"))
        let other = try JSON.parse(try ok(["run", "show", "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb", "--json", "--db", tmp.db]))
        #expect(other["metrics"]?.arrayValue?.first?["value"] == .string("Infinity"))
        // 0006 gave the Default experiment's runs a resolvable artifact location.
        #expect(other["info"]?["artifact_uri"] == .string("mlflow-artifacts:/0/bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb/artifacts"))
        let hist = try JSON.parse(try ok(["metric", "history", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "loss", "--json", "--db", tmp.db]))
        #expect(hist.arrayValue?.map { $0["value"] } == [.double(0.9), .double(0.5), .string("NaN")])
        // New features work on the upgraded database.
        try ok(["model", "register", "churn", "--run", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "--db", tmp.db])
        // The backup is the old database: restoring it gives schema 0001 with the same data.
        let backup = try #require(out.split(separator: "\n").first { $0.hasPrefix("backup:") }).dropFirst("backup:".count).trimmingCharacters(in: .whitespaces)
        try FileManager.default.removeItem(atPath: tmp.db)
        for suffix in ["-wal", "-shm"] { try? FileManager.default.removeItem(atPath: tmp.db + suffix) }
        try FileManager.default.copyItem(atPath: backup, toPath: tmp.db)
        let status = try JSON.parse(try ok(["db", "status", "--json", "--db", tmp.db]))
        #expect(status["schema_version"] == .int(1))
        #expect(try counts(tmp.db) == before)
        try ok(["db", "migrate", "--db", tmp.db])
    }
}

/// Bounds on outside input: each limit is enforced with an error that names it.
@Suite struct LimitTests {
    @Test func jsonNestingDepthIsBounded() {
        let deep = String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000)
        do {
            _ = try JSON.parse(deep)
            Issue.record("expected a depth error")
        } catch let e as JSONError {
            #expect(e.reason.contains("nesting deeper than 64 levels"))
        } catch { Issue.record("\(error)") }
        #expect((try? JSON.parse(String(repeating: "[", count: 64) + String(repeating: "]", count: 64))) != nil)
    }

    @Test(arguments: TestBackend.all) func jsonlLineLengthIsBounded(_ backend: TestBackend) throws {
        let tmp = try TempDir(backend)
        let run = try ok(["run", "start", "--db", tmp.db]).trimmingCharacters(in: .whitespacesAndNewlines)
        let long = #"{"type":"tag","key":"k","value":""# + String(repeating: "x", count: 1 << 20) + "\"}\n"
        let r = try tracker(["ingest", "-", "--run", run, "--db", tmp.db], stdin: #"{"type":"metric","key":"a","value":1}"# + "\n" + long)
        #expect(r.status == 1)
        #expect(r.stderr.contains("-:2:") && r.stderr.contains("1048576-byte limit"))
    }

    @Test func keyAndValueLengthsAreBounded() throws {
        #expect(throws: TrackerError.self) { try Limits.validateKey(String(repeating: "k", count: 251), "param key") }
        #expect(throws: TrackerError.self) { try Limits.validateParamValue("k", String(repeating: "v", count: 6001)) }
        #expect(throws: TrackerError.self) { try Limits.validateTagValue("k", String(repeating: "v", count: 8001)) }
        #expect(throws: TrackerError.self) { try Limits.validateExperimentName(String(repeating: "e", count: 501)) }
    }

    @Test func pageSizesAreBounded() throws {
        let tmp = TempDir()
        let r = try tracker(["run", "list", "--limit", "50001", "--db", tmp.db])
        #expect(r.status == 2 && r.stderr.contains("between 1 and 50000"))
    }

    @Test func fuzzFoundRegressions() throws {
        // A fraction with more than three digits used to trap (an invalid range).
        #expect(try TimeParser.parse("2026-11-21T10:02:00.1160Z") == TimeParser.parse("2026-11-21T10:02:00.116Z"))
        #expect(throws: TrackerError.self) { try TimeParser.parse("2026-11-21T10:02:00.1160-5322") }
        // An empty must-beat argument used to index an empty array.
        #expect(throws: TrackerError.self) { try MustBeat.parse("") }
        #expect(throws: TrackerError.self) { try MustBeat.parse(":0.1") }
    }

    @Test func artifactPathsNeverEscape() throws {
        for bad in ["../x", "/etc/passwd", "a/../../b", "a\\b", "a/./b", "", "a//b", "a/\0"] {
            #expect(throws: TrackerError.self, "\(bad)") { try ArtifactPath.validateRelative(bad) }
        }
        #expect(throws: TrackerError.self) { try ArtifactPath.parse("1/run/artifacts/../../../etc/passwd") }
        #expect(try ArtifactPath.parse("1/abc/artifacts/a/b.txt") == .run(id: "abc", path: "a/b.txt"))
        // A symlink inside a logged folder is not followed out of it.
        let tmp = TempDir()
        let dir = tmp.url.appendingPathComponent("model")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try Data("ok".utf8).write(to: dir.appendingPathComponent("w.bin"))
        try FileManager.default.createSymbolicLink(atPath: dir.appendingPathComponent("secret").path, withDestinationPath: "/etc/passwd")
        let records = try ArtifactStore(root: tmp.url.appendingPathComponent("store")).put(fileAt: dir)
        #expect(records.map(\.path) == ["model/w.bin"])
    }
}
