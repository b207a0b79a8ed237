import Foundation
import SQLiteKit
import Testing

@testable import TrackerCore
@testable import TrackerStore

/// A database with model `churn`: v1 (accuracy 0.85, auc 0.90), v2 (0.92, 0.93), v3 (0.95, 0.89).
func registrySetup(_ tmp: TempDir) throws -> [String] {
    let db = ["--db", tmp.db]
    var runs: [String] = []
    for (acc, auc, loss) in [(0.85, 0.90, 0.4), (0.92, 0.93, 0.3), (0.95, 0.89, 0.35)] {
        let r = try ok(["run", "start", "--experiment", "churn"] + db).trimmingCharacters(in: .whitespacesAndNewlines)
        try ok(["log", "metric", r, "test_accuracy", "\(acc)"] + db)
        try ok(["log", "metric", r, "auc", "\(auc)"] + db)
        try ok(["log", "metric", r, "log_loss", "\(loss)"] + db)
        try ok(["model", "register", "churn", "--run", r, "--metric", "accuracy=test_accuracy"] + db)
        runs.append(r)
    }
    return runs
}

@Suite struct RegistryCLITests {
    @Test(arguments: TestBackend.all) func registerSnapshotsOfflineMetricsAndArtifactDigest(_ backend: TestBackend) throws {
        let tmp = try TempDir(backend)
        let db = ["--db", tmp.db]
        let r = try ok(["run", "start"] + db).trimmingCharacters(in: .whitespacesAndNewlines)
        try ok(["log", "metric", r, "test_accuracy", "0.9"] + db)
        try ok(["log", "metric", r, "test_accuracy", "0.93", "--step", "5"] + db)
        let file = tmp.write("model.pkl", "weights")
        try ok(["log", "artifact", r, file] + db)
        let v = try JSON.parse(
            try ok(
                ["model", "register", "churn", "--run", r, "--artifact", "model.pkl", "--metric", "accuracy=test_accuracy", "--json"] + db))
        #expect(v["version"] == .int(1))
        #expect(v["offline_metrics"]?["accuracy"] == .double(0.93))  // the latest value, renamed
        #expect(v["offline_metrics"]?["test_accuracy"] == .double(0.93))
        #expect(v["artifact_sha256"] == .string(SHA256.hex(Array("weights".utf8))))
        let v2 = try JSON.parse(try ok(["model", "register", "churn", "--run", r, "--json"] + db))
        #expect(v2["version"] == .int(2))
        // A later evaluation overrides the snapshot for gates and the gap.
        try ok(["model", "eval", "churn/2", "--metric", "accuracy=0.8", "--dataset", "holdout"] + db)
        let show = try JSON.parse(try ok(["model", "show", "churn", "--json"] + db))
        #expect(show["versions"]?.arrayValue?.last?["offline_metrics"]?["accuracy"] == .double(0.8))
        let missing = try tracker(["model", "register", "churn", "--run", r, "--metric", "accuracy=acc"] + db)
        #expect(missing.status == 1 && missing.stderr.contains("the run has no metric 'acc' (it has: test_accuracy)"))
    }

    @Test(arguments: TestBackend.all) func gatesPassFailAndForce(_ backend: TestBackend) throws {
        let tmp = try TempDir(backend)
        _ = try registrySetup(tmp)
        let db = ["--db", tmp.db]
        try ok(["gate", "set", "churn", "--env", "production", "--require", "accuracy >= 0.9"] + db)
        let blocked = try tracker(["promote", "churn", "1", "--to", "production"] + db)
        #expect(blocked.status == 3)
        #expect(blocked.stdout.contains("FAIL  accuracy >= 0.9  (accuracy = 0.85)"))
        #expect(try JSON.parse(try ok(["deployments", "--json"] + db)) == .array([]))
        // A dry run of a passing version changes nothing either.
        #expect(try tracker(["promote", "churn", "2", "--to", "production", "--dry-run"] + db).status == 0)
        #expect(try JSON.parse(try ok(["deployments", "--json"] + db)) == .array([]))
        // --force needs a reason, and is recorded as forced.
        #expect(try tracker(["promote", "churn", "1", "--to", "production", "--force"] + db).status == 2)
        let forced = try ok(["promote", "churn", "1", "--to", "production", "--force", "--reason", "baseline", "--actor", "ci-bot"] + db)
        #expect(forced.contains("FORCED"))
        let ledger = try JSON.parse(try ok(["deployments", "--json"] + db)).arrayValue ?? []
        #expect(ledger.count == 1)
        #expect(
            ledger[0]["kind"] == .string("force") && ledger[0]["actor"] == .string("ci-bot") && ledger[0]["reason"] == .string("baseline"))
        #expect(ledger[0]["gates"]?.arrayValue?.first?["passed"] == .bool(false))
        // Passing gates promote; the same version again is a no-op.
        #expect(
            try ok(["promote", "churn", "2", "--to", "production"] + db, env: ["TRACKER_ACTOR": "alice"]).contains(
                "promoted churn version 2"))
        let again = try tracker(["promote", "churn", "2", "--to", "production"] + db)
        #expect(again.status == 0 && again.stdout.contains("already live"))
        let after = try JSON.parse(try ok(["deployments", "--json"] + db)).arrayValue ?? []
        #expect(after.count == 2 && after[1]["actor"] == .string("alice") && after[1]["kind"] == .string("promote"))
    }

    @Test(arguments: TestBackend.all) func mustBeatCurrentAgainstIncumbentAndEmptyEnvironment(_ backend: TestBackend) throws {
        let tmp = try TempDir(backend)
        _ = try registrySetup(tmp)
        let db = ["--db", tmp.db]
        // Empty environment: nothing to beat.
        let first = try ok(["promote", "churn", "1", "--to", "production", "--must-beat-current", "auc"] + db)
        #expect(first.contains("nothing to beat"))
        // v3 has lower AUC than live v1 → blocked.
        let r = try tracker(["promote", "churn", "3", "--to", "production", "--must-beat-current", "auc"] + db)
        #expect(r.status == 3 && r.stdout.contains("candidate 0.89 vs live version 1 0.9"))
        // v2 beats it, but not by a 0.05 margin.
        #expect(try tracker(["promote", "churn", "2", "--to", "production", "--must-beat-current", "auc:0.05"] + db).status == 3)
        // Lower is better for log_loss: v2 (0.3) beats v1 (0.4).
        try ok(["promote", "churn", "2", "--to", "production", "--must-beat-current", "log_loss"] + db)
        // v3's loss 0.35 is worse than v2's 0.3.
        #expect(try tracker(["promote", "churn", "3", "--to", "production", "--must-beat-current", "log_loss"] + db).status == 3)
    }

    @Test(arguments: TestBackend.all) func afterStaging(_ backend: TestBackend) throws {
        let tmp = try TempDir(backend)
        _ = try registrySetup(tmp)
        let db = ["--db", tmp.db]
        try ok(["gate", "set", "churn", "--env", "production", "--after", "staging"] + db)
        let r = try tracker(["promote", "churn", "2", "--to", "production"] + db)
        #expect(r.status == 3 && r.stdout.contains("version 2 has never been deployed to staging"))
        try ok(["promote", "churn", "2", "--to", "staging"] + db)
        try ok(["promote", "churn", "2", "--to", "production"] + db)
        let gates = try JSON.parse(try ok(["gate", "show", "churn", "--json"] + db))
        #expect(gates.arrayValue?.first?["after"] == .string("staging"))
    }

    @Test(arguments: TestBackend.all) func rollbackTwiceInARow(_ backend: TestBackend) throws {
        let tmp = try TempDir(backend)
        _ = try registrySetup(tmp)
        let db = ["--db", tmp.db]
        for v in ["1", "2", "3"] { try ok(["promote", "churn", v, "--to", "production"] + db) }
        #expect(try ok(["rollback", "churn", "--env", "production", "--reason", "bad"] + db).contains("version 3 -> version 2"))
        #expect(try ok(["rollback", "churn", "--env", "production"] + db).contains("version 2 -> version 1"))
        let third = try tracker(["rollback", "churn", "--env", "production"] + db)
        #expect(third.status == 1 && third.stderr.contains("no earlier version"))
        #expect(try ok(["rollback", "churn", "--env", "production", "--to", "3"] + db).contains("version 1 -> version 3"))
        let never = try tracker(["rollback", "churn", "--env", "staging"] + db)
        #expect(
            never.status == 1 && never.stderr.contains("not deployed to 'staging'") && never.stderr.contains("environments: production"))
        let ledger = try JSON.parse(try ok(["deployments", "--model", "churn", "--json"] + db)).arrayValue ?? []
        #expect(ledger.map { $0["kind"]?.stringValue ?? "" } == ["promote", "promote", "promote", "rollback", "rollback", "rollback"])
        #expect(ledger[3]["reason"] == .string("bad"))
    }

    @Test(arguments: TestBackend.all) func unknownNamesListWhatExists(_ backend: TestBackend) throws {
        let tmp = try TempDir(backend)
        _ = try registrySetup(tmp)
        let db = ["--db", tmp.db]
        let m = try tracker(["promote", "chrun", "1", "--to", "production"] + db)
        #expect(m.status == 1 && m.stderr.contains("model 'chrun' not found; models: churn"))
        let v = try tracker(["promote", "churn", "9", "--to", "production"] + db)
        #expect(v.status == 1 && v.stderr.contains("has no version 9; versions: 1, 2, 3"))
        let a = try tracker(["promote", "churn", "@champion", "--to", "production"] + db)
        #expect(a.status == 1 && a.stderr.contains("aliases: none"))
        try ok(["model", "alias", "churn", "champion", "2"] + db)
        try ok(["promote", "churn", "champion", "--to", "production"] + db)
        let e = try tracker(["deployments", "--model", "churn", "--env", "prod", "--json"] + db)
        #expect(e.status == 0 && e.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "[]")
        #expect(e.stderr.contains("nothing was ever deployed to 'prod' for churn; environments: production"))
        let g = try tracker(["gap", "churn", "--env", "prod"] + db)
        #expect(g.stderr.contains("churn was never deployed to 'prod'; environments: production"))
        let bad = try tracker(["gate", "set", "churn", "--env", "production", "--require", "accuracy => 0.9"] + db)
        // An unknown operator is named, with the valid ones (issue 12 item 8); a usage error (item 12).
        #expect(bad.status == 2 && bad.stderr.contains("unknown operator '=>'; use one of >= > <= < == !="))
    }
}

@Suite struct DeploymentLedgerTests {
    func store(_ tmp: TempDir) throws -> Store {
        _ = try registrySetup(tmp)
        return try Store.open(path: tmp.db)
    }

    @Test(arguments: TestBackend.all) func atAnswersWhatWasLive(_ backend: TestBackend) throws {
        let tmp = try TempDir(backend)
        let s = try store(tmp)
        _ = try s.deployments.promote(model: "churn", versionRef: "1", env: "production", actor: "a", now: 1000)
        _ = try s.deployments.promote(model: "churn", versionRef: "2", env: "production", actor: "a", now: 2000)
        _ = try s.deployments.rollback(model: "churn", env: "production", actor: "a", now: 3000)
        #expect(try s.deployments.deployments(env: "production", at: 999).isEmpty)
        #expect(try s.deployments.deployments(env: "production", at: 1000).map(\.version) == [1])
        #expect(try s.deployments.deployments(env: "production", at: 1999).map(\.version) == [1])
        #expect(try s.deployments.deployments(env: "production", at: 2500).map(\.version) == [2])
        #expect(try s.deployments.deployments(env: "production", at: 5000).map(\.version) == [1])
        // The CLI answers the same.
        let cli = try JSON.parse(try ok(["deployments", "--at", "2500", "--json", "--db", tmp.db]))
        #expect(cli.arrayValue?.first?["version"] == .int(2))
    }

    @Test(arguments: TestBackend.all) func schemaEnforcesOneCurrentDeploymentAndAppendOnlyLedger(_ backend: TestBackend) throws {
        let tmp = try TempDir(backend)
        let s = try store(tmp)
        _ = try s.deployments.promote(model: "churn", versionRef: "1", env: "production", actor: "a")
        #expect(throws: SQLiteError.self) {
            try s.db.write { c in
                try c.run(
                    "INSERT INTO deployment_ledger (model_id, env, kind, to_version, actor, time) VALUES (1, 'production', 'promote', 2, 'x', 1)"
                )
                try c.run(
                    "INSERT INTO deployments (model_id, env, version_id, ledger_id, started_at) VALUES (1, 'production', 2, (SELECT max(id) FROM deployment_ledger), 1)"
                )
            }
        }
        do {
            try s.db.write { try $0.run("UPDATE deployment_ledger SET actor = 'mallory'") }
            Issue.record("update must fail")
        } catch let e as SQLiteError {
            #expect(e.message.contains("append-only"))
        }
        #expect(throws: SQLiteError.self) { try s.db.write { try $0.run("DELETE FROM deployment_ledger") } }
        #expect(try s.deployments.ledger().count == 1)
    }

    @Test(arguments: TestBackend.all) func concurrentPromotesLeaveOneConsistentHistory(_ backend: TestBackend) throws {
        let tmp = try TempDir(backend)
        _ = try registrySetup(tmp)
        var procs: [Process] = []
        for i in 0..<12 {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: trackerBinary)
            p.arguments = ["promote", "churn", String(i % 3 + 1), "--to", "production", "--actor", "p\(i)", "--db", tmp.db]
            p.standardOutput = FileHandle.nullDevice
            p.standardError = FileHandle.nullDevice
            procs.append(p)
        }
        for p in procs { try p.run() }
        for p in procs { p.waitUntilExit() }
        #expect(procs.allSatisfy { $0.terminationStatus == 0 })
        let s = try Store.open(path: tmp.db)
        let ledger = try s.deployments.ledger(env: "production")
        let intervals = try s.deployments.deployments(env: "production")
        // Every ledger entry has its interval; the chain is unbroken and exactly one is current.
        #expect(ledger.count == intervals.count && !ledger.isEmpty)
        #expect(intervals.filter { $0.endedAt == nil }.count == 1)
        for (a, b) in zip(ledger, ledger.dropFirst()) { #expect(b.fromVersion == a.toVersion && b.toVersion != a.toVersion) }
        for (a, b) in zip(intervals, intervals.dropFirst()) { #expect(a.endedAt == b.startedAt) }
        #expect(intervals.last?.version == ledger.last?.toVersion)
    }
}

@Suite struct GateUnitTests {
    @Test func expressionsAndDirections() throws {
        #expect(try GateExpression.parse("accuracy >= 0.9") == GateExpression(metric: "accuracy", op: .ge, threshold: 0.9))
        #expect(try GateExpression.parse("log_loss<0.5").op == .lt)
        #expect(try GateExpression.parse("auc = 1").op == .eq)
        #expect(throws: TrackerError.self) { try GateExpression.parse("accuracy") }
        #expect(throws: TrackerError.self) { try GateExpression.parse("accuracy >= NaN") }
        #expect(!(try GateExpression.parse("a >= 0")).passes(.nan))
        #expect(MetricDirection.of("val_loss") == .lowerIsBetter)
        #expect(MetricDirection.of("rmse") == .lowerIsBetter)
        #expect(MetricDirection.of("accuracy") == .higherIsBetter)
        #expect(try MustBeat.parse("auc:0.01") == MustBeat(metric: "auc", margin: 0.01))
        #expect(throws: TrackerError.self) { try MustBeat.parse("auc:-1") }
    }
}
