import Foundation
import Testing

@testable import TrackerCore
@testable import TrackerStore

/// `tracker db copy` (issue #18): a SQLite database into PostgreSQL, every row, and the copy
/// answers as the original did.
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
        #expect(r.stdout.contains("row counts verified") && r.stderr.contains("deployment_ledger: "))
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
        #expect(again.status != 0 && again.stderr.contains("already holds data"), "\(again.stderr)")
    }
}
