import Foundation
import SQLiteKit
import Testing
import TrackerCore

@testable import TrackerStore

@Suite struct MigrationTests {
    @Test func freshDatabaseGetsEveryMigrationAndDefaultExperiment() throws {
        let tmp = TempDir()
        let store = try Store.open(path: tmp.db)
        let status = try Migrator().status(store.db)
        #expect(status.pending.isEmpty)
        #expect(status.currentVersion == Migration.embedded.last!.version)
        let name = try store.db.read { try $0.queryOne("SELECT name FROM experiments WHERE id = 0") { $0.string(0) } }
        #expect(name == "Default")
        // No backup for a database that was empty.
        let files = try FileManager.default.contentsOfDirectory(atPath: tmp.path)
        #expect(!files.contains { $0.contains(".backup-") })
    }

    @Test func rerunIsANoOp() throws {
        let tmp = TempDir()
        let store = try Store.open(path: tmp.db)
        let again = try Migrator().migrate(store.db)
        #expect(again.applied.isEmpty && again.backup == nil)
    }

    @Test func newerDatabaseIsRefused() throws {
        let tmp = TempDir()
        let store = try Store.open(path: tmp.db)
        try store.db.write { try $0.run("INSERT INTO schema_migrations VALUES (9999, 'future', 'x', 0)") }
        #expect(throws: TrackerError.self) { try Store.open(path: tmp.db) }
        do {
            _ = try Store.open(path: tmp.db)
        } catch let e as TrackerError {
            #expect(e.message.contains("9999 is newer than this tracker"))
            #expect(e.message.contains("upgrade tracker"))
        }
    }

    @Test func editedMigrationIsReported() throws {
        let tmp = TempDir()
        let store = try Store.open(path: tmp.db)
        try store.db.write { try $0.run("UPDATE schema_migrations SET checksum = 'edited' WHERE version = 1") }
        let status = try Migrator().status(store.db)
        #expect(status.modified.map(\.version) == [1])
        do {
            _ = try Store.open(path: tmp.db)
            Issue.record("expected refusal")
        } catch let e as TrackerError {
            #expect(e.message.contains("0001_initial was changed after it was applied"))
        }
    }

    @Test func pendingMigrationBacksUpNonEmptyDatabase() throws {
        let tmp = TempDir()
        let store = try Store.open(path: tmp.db)
        try store.db.write { try $0.run("INSERT INTO experiments (name, creation_time, last_update_time) VALUES ('kept', 1, 1)") }
        let extra = Migration(version: 9000, name: "extra", sql: "CREATE TABLE extra (x INTEGER);")
        let migrator = Migrator(migrations: Migration.embedded + [extra])
        let result = try migrator.migrate(store.db, now: Date(timeIntervalSince1970: 1_790_000_000))
        #expect(result.applied == [extra])
        let backup = try #require(result.backup)
        #expect(backup == tmp.db + ".backup-20260921T141320Z")
        // The backup is a usable copy of the database as it was before.
        let copy = try Database(path: backup, mode: .readOnly)
        #expect(try copy.read { try $0.queryOne("SELECT count(*) FROM experiments WHERE name = 'kept'") { $0.int(0) } } == 1)
        #expect(try copy.read { try $0.queryOne("SELECT count(*) FROM sqlite_schema WHERE name = 'extra'") { $0.int(0) } } == 0)
    }

    @Test func olderDatabaseAsksForMigrate() throws {
        let tmp = TempDir()
        let store = try Store.open(path: tmp.db)
        try store.db.write { try $0.run("INSERT INTO experiments (name, creation_time, last_update_time) VALUES ('x', 1, 1)") }
        let extra = Migration(version: 9000, name: "extra", sql: "CREATE TABLE extra (x INTEGER);")
        let status = Migrator(migrations: Migration.embedded + [extra]).status(applied: try store.db.read { try Migrator().applied($0) })
        #expect(status.pending == [extra])
    }
}

@Suite struct InitCLITests {
    @Test func initThenStatus() throws {
        let tmp = TempDir()
        let out = try ok(["init", "--db", tmp.db])
        #expect(out.contains("database: \(tmp.db)"))
        #expect(out.contains(String(format: "schema:   %04d", Migration.embedded.last!.version)))
        let status = try ok(["db", "status", "--db", tmp.db, "--json"])
        let json = try JSON.parse(status)
        #expect(json["pending"] == .array([]))
        #expect(json["applied"]?.arrayValue?.count == Migration.embedded.count)
        // init again is harmless.
        try ok(["init", "--db", tmp.db])
    }

    @Test func dbFromEnvironment() throws {
        let tmp = TempDir()
        try ok(["init"], env: ["TRACKER_DB": tmp.db])
        #expect(FileManager.default.fileExists(atPath: tmp.db))
    }

    @Test func unwritablePathIsAClearError() throws {
        let tmp = TempDir()
        let r = try tracker(["init", "--db", tmp.file("missing-folder/x.db")])
        #expect(r.status == 1)
        #expect(r.stderr.hasPrefix("error: cannot open database"))
        #expect(r.stdout.isEmpty)
    }

    @Test func fileThatIsNotADatabaseIsLeftAlone() throws {
        let tmp = TempDir()
        let p = tmp.write("notes.db", "my precious notes\n")
        let r = try tracker(["init", "--db", p])
        #expect(r.status == 1)
        #expect(r.stderr.contains("is not a SQLite database"))
        #expect(try String(contentsOfFile: p, encoding: .utf8) == "my precious notes\n")
    }

    @Test func statusOfMissingDatabaseSaysHowToCreate() throws {
        let tmp = TempDir()
        let r = try tracker(["db", "status", "--db", tmp.db])
        #expect(r.status == 1)
        #expect(r.stderr.contains("tracker init"))
        #expect(!FileManager.default.fileExists(atPath: tmp.db))
    }

    @Test func usageErrorExitsTwo() throws {
        let r = try tracker(["db", "frobnicate"])
        #expect(r.status == 2)
    }

    @Test func versionAndHelp() throws {
        #expect(try ok(["--version"]).trimmingCharacters(in: .whitespacesAndNewlines) == "0.1.0")
        #expect(try ok(["db", "--help"]).contains("migrate"))
    }
}

@Suite struct FirstUseRaceTests {
    /// Found by the soak: processes opening a brand-new database at the same moment must never see
    /// a half-migrated schema (one used to refuse it as "older than this tracker").
    @Test func concurrentFirstUseOfANewDatabase() throws {
        for _ in 0..<5 {
            let tmp = TempDir()
            let failed = try trackersTogether(["run", "start", "--db", tmp.db], count: 6, stderrIn: tmp.url)
            #expect(failed.isEmpty, "\(failed)")
        }
    }

    @Test func aForeignSQLiteDatabaseIsNotMigrated() throws {
        let tmp = TempDir()
        let c = try Connection(path: tmp.db)
        try c.execute("CREATE TABLE mine (x INTEGER); INSERT INTO mine VALUES (42)")
        let r = try tracker(["db", "migrate", "--db", tmp.db])
        #expect(r.status == 1 && r.stderr.contains("not a tracker database"))
        let use = try tracker(["run", "list", "--db", tmp.db])
        #expect(use.status == 1 && use.stderr.contains("not a tracker database"))
        #expect(try c.queryOne("SELECT count(*) FROM sqlite_schema") { $0.int(0) } == 1)
    }
}
