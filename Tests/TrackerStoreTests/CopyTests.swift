import Foundation
import SQLiteKit
import Testing

@testable import TrackerCore
@testable import TrackerStore

/// `tracker db copy` (issue #18): every row into a new database of either backend and back,
/// resumable after a crash, verified by row counts and checksums; the copy answers as the
/// original did.
@Suite struct DatabaseCopyTests {
    @Test func everyTableOfTheSchemaIsCopied() throws {
        let tmp = TempDir()
        let s = try Store.open(path: tmp.db)
        defer { s.close() }
        let tables = try s.db.read { c in
            try c.query("SELECT name FROM sqlite_schema WHERE type = 'table' AND name != 'schema_migrations'", []) { $0.string(0) }
        }
        #expect(Set(tables).subtracting(Store.copyTables).sorted() == [])
        #expect(Set(Store.copyTables).subtracting(tables).sorted() == [])
    }

    /// The copy reads each table in primary-key order and resumes after the last key copied.
    @Test(arguments: TestBackend.all) func everyCopiedTableHasAPrimaryKey(_ backend: TestBackend) throws {
        let tmp = try TempDir(backend)
        let s = try Store.open(path: tmp.db)
        defer { s.close() }
        let missing = try s.db.read { c in try Store.copyTables.filter { try Store.primaryKey(c, $0).isEmpty } }
        #expect(missing == [])
        let metrics = try s.db.read { try Store.primaryKey($0, "metrics") }
        #expect(metrics == ["run_id", "key_id", "step", "time"])
    }

    @Test(arguments: TestBackend.postgresOnly) func aSQLiteDatabaseCopiesToPostgreSQLAndAnswersTheSame(_ backend: TestBackend) throws {
        let source = TempDir()
        _ = try liveStore(source)
        let from = ["--db", source.db]
        try ok(["promote", "churn", "1", "--to", "production"] + from)
        try ok(["promote", "churn", "2", "--to", "production"] + from)
        try ok(
            [
                "live", "record", "churn", "--env", "production", "--metric", "accuracy", "--value", "0.8", "--count", "100",
                "--start", "2026-11-23T10:00:00Z", "--end", "2026-11-23T11:00:00Z",
            ] + from)
        let target = try TempDir(backend)
        let r = try tracker(["db", "copy", "--from", source.db, "--to", target.db, "--batch", "2"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("verified: 34 tables") && r.stderr.contains("deployment_ledger: "), "\(r.stdout)")
        let to = ["--db", target.db]
        for args in [
            ["deployments", "--json"], ["run", "list", "--experiment", "churn", "--json"], ["model", "list", "--json"],
            ["gap", "churn", "--since", "2026-11-23", "--until", "2026-11-24", "--json"],
        ] {
            #expect(try ok(args + to) == (try ok(args + from)), "\(args.joined(separator: " "))")
        }
        // Ids continue after the copied ones, and a second copy into it is refused.
        let run = try ok(["run", "start", "--experiment", "churn"] + to).trimmingCharacters(in: .whitespacesAndNewlines)
        try ok(["log", "metric", run, "test_accuracy", "0.97"] + to)
        let registered = try JSON.parse(try ok(["model", "register", "churn", "--run", run, "--json"] + to))
        #expect(registered["version"] == .int(3), "\(registered)")
        let again = try tracker(["db", "copy", "--from", source.db, "--to", target.db])
        #expect(again.status == 1 && again.stderr.contains("already holds data"), "\(again.stderr)")
        #expect(again.stderr.contains("another ?search_path= schema, or a new file"), "\(again.stderr)")
    }

    // MARK: - Round trips

    /// The issue's done-when: the report scenario copied SQLite → BACKEND → SQLite answers `gap`,
    /// `report`, `run list`, `deployments` and `metric history` byte for byte as the original,
    /// including values COPY's text format must escape or keep exact.
    @Test(arguments: TestBackend.all) func theReportDatabaseRoundTripsWithIdenticalAnswers(_ backend: TestBackend) throws {
        let tmp = TempDir()
        let source = try seedReport(tmp.db)
        let run = try awkwardValues(source)
        source.close()
        let middle = try TempDir(backend)
        let back = tmp.file("back.db")
        let there = try tracker(["db", "copy", "--from", tmp.db, "--to", middle.db, "--batch", "500"])
        #expect(there.status == 0, "\(there.stderr)")
        let home = try tracker(["db", "copy", "--from", middle.db, "--to", back, "--batch", "333"])
        #expect(home.status == 0, "\(home.stderr)")
        #expect(home.stdout.contains("verified: 34 tables") && home.stdout.contains("checksums match"), "\(home.stdout)")
        let questions = [
            ["gap", "churn", "--since", "2026-11-09", "--until", "2026-11-23", "--json"],
            ["gap", "fraud", "--since", "2026-11-09", "--until", "2026-11-23"],
            ["report", "--week", "2026-W47", "--now", "2026-11-23T08:00:00Z"],
            ["report", "--week", "2026-W47", "--now", "2026-11-23T08:00:00Z", "--format", "json"],
            ["run", "list", "--experiment", "report"], ["run", "list", "--experiment", "report", "--json"],
            ["deployments", "--json"], ["model", "list", "--json"], ["run", "show", run, "--json"],
            ["metric", "history", run, "odd", "--json"],
        ]
        for args in questions {
            let original = try ok(args + ["--db", tmp.db])
            #expect(!original.isEmpty)
            #expect(try ok(args + ["--db", middle.db]) == original, "\(backend): \(args.joined(separator: " "))")
            #expect(try ok(args + ["--db", back]) == original, "back: \(args.joined(separator: " "))")
        }
    }

    /// A run whose params, tags and metric values test the copy's encoding; returns its id.
    private func awkwardValues(_ s: Store) throws -> String {
        let exp = try s.experiments.ensureExperiment(name: "edge cases")
        let r = try s.runs.createRun(experimentID: exp.id, name: "tab\there", startTime: 1)
        let texts = ["a\tb", "line\nbreak\r\n", "back\\slash \\N", "\\N", "", "ünïcødé ✓ 😀"]
        let values = [0.1 + 0.2, .nan, .infinity, -.infinity, -0.0, 5e-324, 1.7976931348623157e308, 1e-5, -123456789.125]
        try s.metrics.log(
            runID: r.runID,
            LogBatch(
                params: texts.enumerated().map { KeyValue("p\($0)", $1) }, tags: texts.enumerated().map { KeyValue("t\($0)", $1) },
                metrics: values.enumerated().map { MetricPoint(key: "odd", value: $1, step: Int64($0), time: 7) }))
        return r.runID
    }

    // MARK: - Resume

    /// A copy killed mid-table (SIGKILL: no cleanup at all) is refused without --resume, with
    /// a message naming it, and completes with it; the result is identical to the source.
    @Test(arguments: TestBackend.all) func aKilledCopyResumesAfterItsLastBatch(_ backend: TestBackend) throws {
        let tmp = TempDir()
        try seedReport(tmp.db).close()
        let target = try TempDir(backend)
        let copy = ["db", "copy", "--from", tmp.db, "--to", target.db, "--batch", "100"]
        let killed = try tracker(copy, env: ["TRACKER_TEST_COPY_KILL_AFTER_BATCHES": "40"])
        #expect(killed.status == 9, "\(killed.stderr)")
        let refused = try tracker(copy)
        #expect(refused.status == 1, "\(refused.stderr)")
        #expect(refused.stderr.contains("holds an interrupted copy of") && refused.stderr.contains("--resume"), "\(refused.stderr)")
        // Until it is finished, the half-filled target answers nothing (its answers would be wrong).
        let used = try tracker(["run", "list", "--db", target.db])
        #expect(used.status == 1 && used.stdout.isEmpty, "\(used.stdout)")
        #expect(used.stderr.contains("is an unfinished copy of \(tmp.db)") && used.stderr.contains("--resume"), "\(used.stderr)")
        try ok(["db", "status", "--db", target.db])
        let resumed = try tracker(copy + ["--resume"])
        #expect(resumed.status == 0, "\(resumed.stderr)")
        #expect(resumed.stderr.contains("resuming after") && resumed.stderr.contains("(copied before)"), "\(resumed.stderr)")
        #expect(resumed.stdout.contains("(resumed: ") && resumed.stdout.contains("checksums match"), "\(resumed.stdout)")
        let args = ["report", "--week", "2026-W47", "--now", "2026-11-23T08:00:00Z", "--format", "json"]
        #expect(try ok(args + ["--db", target.db]) == (try ok(args + ["--db", tmp.db])))
        try ok(["db", "copy", "--from", tmp.db, "--to", target.db, "--verify-only"])
        // Done: the records are gone, the foreign keys dropped for the load (PostgreSQL) are all
        // back, and another resume finds nothing to continue.
        let s = try Store.open(path: target.db)
        #expect(try s.db.read { try Migrator.tableCount($0, excluding: "schema_migrations") } == Store.copyTables.count)
        let fresh = try TempDir(backend)
        let new = try Store.open(path: fresh.db)
        #expect(try foreignKeys(s) == (try foreignKeys(new)))
        #expect(try foreignKeys(s).count > 30)
        s.close()
        new.close()
        let again = try tracker(copy + ["--resume"])
        #expect(again.status == 1 && again.stderr.contains("no interrupted copy to resume"), "\(again.stderr)")
    }

    /// Every foreign key of the schema: table, and its definition.
    private func foreignKeys(_ s: Store) throws -> [String] {
        try s.db.read { c in
            var keys: [String] = []
            for table in Store.copyTables {
                let sql = c.dialect.pick(
                    sqlite: "SELECT \"table\" || ' ' || \"from\" || ' ' || \"to\" || ' ' || on_delete FROM pragma_foreign_key_list(?)",
                    postgres: """
                        SELECT pg_get_constraintdef(k.oid) FROM pg_constraint k JOIN pg_class t ON t.oid = k.conrelid
                          JOIN pg_namespace n ON n.oid = t.relnamespace
                         WHERE k.contype = 'f' AND n.nspname = current_schema() AND t.relname = ?
                        """)
                keys += try c.query(sql, [.text(table)]) { "\(table): \($0.string(0))" }
            }
            return keys.sorted()
        }
    }

    @Test(arguments: TestBackend.all) func aResumeIsRefusedWhenTheSourceChanged(_ backend: TestBackend) throws {
        let tmp = TempDir()
        try seedReport(tmp.db).close()
        let target = try TempDir(backend)
        let copy = ["db", "copy", "--from", tmp.db, "--to", target.db, "--batch", "50"]
        #expect(try tracker(copy, env: ["TRACKER_TEST_COPY_KILL_AFTER_BATCHES": "3"]).status == 9)
        try ok(["run", "start", "--experiment", "report", "--db", tmp.db])
        let r = try tracker(copy + ["--resume"])
        #expect(r.status == 1, "\(r.stderr)")
        #expect(r.stderr.contains("changed since the interrupted copy began (runs: 6 rows then, 7 now)"), "\(r.stderr)")
        // Another database is not taken for the source either.
        let other = TempDir()
        try seedReport(other.db).close()
        let wrong = try tracker(["db", "copy", "--from", other.db, "--to", target.db, "--resume"])
        #expect(wrong.status == 1 && wrong.stderr.contains("not of \(Store.copyIdentity(other.db))"), "\(wrong.stderr)")
    }

    // MARK: - Verification

    /// A target edited after the copy fails verification, naming the table; so does one missing
    /// a row.
    @Test(arguments: TestBackend.all) func aCorruptedCopyFailsVerification(_ backend: TestBackend) throws {
        let tmp = TempDir()
        try seedReport(tmp.db).close()
        let target = try TempDir(backend)
        try ok(["db", "copy", "--from", tmp.db, "--to", target.db])
        let verify = ["db", "copy", "--from", tmp.db, "--to", target.db, "--verify-only"]
        #expect(try ok(verify).contains("verified: 34 tables"))
        let s = try Store.open(path: target.db)
        defer { s.close() }
        try s.db.write { try $0.run("UPDATE predictions SET score = score + 0.001 WHERE id = 'c10'") }
        let changed = try tracker(verify)
        #expect(changed.status == 1, "\(changed.stderr)")
        #expect(changed.stderr.contains("1 table differ: predictions (2016 rows on both sides, checksums differ)"), "\(changed.stderr)")
        try s.db.write { try $0.run("DELETE FROM outcomes WHERE id = 'c11'") }
        let missing = try tracker(verify)
        #expect(missing.stderr.contains("2 tables differ: predictions") && missing.stderr.contains("outcomes ("), "\(missing.stderr)")
        #expect(missing.stderr.contains("rows in the source, "), "\(missing.stderr)")
    }

    /// The checksum's bytes are the same for what both backends store for a value.
    @Test func theCanonicalFormKeepsTypesApartAndFoldsWhatSQLiteFolds() {
        func bytes(_ v: SQLiteValue) -> [UInt8] {
            var out: [UInt8] = []
            Store.canonical(v, into: &out)
            return out
        }
        #expect(bytes(.real(.nan)) == bytes(.null))
        #expect(bytes(.real(-0.0)) == bytes(.real(0)))
        #expect(bytes(.integer(1)) != bytes(.real(1)))
        #expect(bytes(.text("1")) != bytes(.blob([0x31])))
        #expect(bytes(.text("ab")) != bytes(.text("a")) + [0x62])
        var a = UnorderedDigest()
        var b = UnorderedDigest()
        for row in ["x", "y", "z"] { Array(row.utf8).withUnsafeBytes { a.add($0) } }
        for row in ["z", "x", "y"] { Array(row.utf8).withUnsafeBytes { b.add($0) } }
        #expect(a == b && a.count == 3)
        Array("w".utf8).withUnsafeBytes { b.add($0) }
        #expect(a != b)
    }

    // MARK: - Bad input

    @Test func badInputGetsAClearErrorAndTheREADMEsExitCode() throws {
        let tmp = TempDir()
        try seedReport(tmp.db).close()
        let noTarget = try tracker(["db", "copy", "--from", tmp.db])
        #expect(noTarget.status == 2 && noTarget.stderr.contains("--to"), "\(noTarget.stderr)")
        let itself = try tracker(["db", "copy", "--from", tmp.db, "--to", tmp.db])
        #expect(itself.status == 2 && itself.stderr.contains("names the source database itself"), "\(itself.stderr)")
        let unreachable = try tracker(["db", "copy", "--from", tmp.db, "--to", "postgres://nobody@127.0.0.1:1/tracker"])
        #expect(unreachable.status == 1 && unreachable.stderr.contains("cannot connect to PostgreSQL"), "\(unreachable.stderr)")
        let noSource = try tracker(["db", "copy", "--from", tmp.file("missing.db"), "--to", tmp.file("x.db")])
        #expect(noSource.status == 1 && noSource.stderr.contains("no tracker database at"), "\(noSource.stderr)")
        let both = try tracker(["db", "copy", "--from", tmp.db, "--to", tmp.file("x.db"), "--resume", "--verify-only"])
        #expect(both.status == 2, "\(both.stderr)")
        // --resume with nothing to resume starts a new copy (as `wget -c` of a missing file does).
        let fresh = try tracker(["db", "copy", "--from", tmp.db, "--to", tmp.file("fresh.db"), "--resume"])
        #expect(fresh.status == 0 && !fresh.stdout.contains("(resumed: "), "\(fresh.stderr)")
        let help = try ok(["db", "copy", "--help"])
        for option in ["--resume", "--verify-only", "--batch", "--from", "--to", "checksum"] { #expect(help.contains(option), "\(option)") }
    }
}
