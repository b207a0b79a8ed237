import Foundation
import SQLiteKit
import Testing
import TrackerPostgres

@testable import TrackerCore
@testable import TrackerStore

/// Migrations on PostgreSQL (issue #18): the same numbered sequence with PostgreSQL variants,
/// the same refusal rules, and one migration when several processes start together.
@Suite struct PostgresMigrationTests {
    @Test(arguments: TestBackend.postgresOnly) func freshSchemaGetsEveryMigrationWithItsVariantChecksum(_ backend: TestBackend) throws {
        let tmp = try TempDir(backend)
        let store = try Store.open(path: tmp.db)
        let status = try Migrator().status(store.db)
        #expect(status.pending.isEmpty && status.modified.isEmpty)
        #expect(status.applied.map(\.version) == Migration.embedded.map(\.version))
        #expect(status.applied.map(\.checksum) == Migration.embedded.map { $0.checksum(for: .postgres) })
        #expect(try store.experiments.experiment(id: 0)?.name == "Default")
        #expect(try Migrator().migrate(store.db).applied.isEmpty)
    }

    @Test(arguments: TestBackend.postgresOnly) func newerOrEditedSchemaIsRefused(_ backend: TestBackend) throws {
        let tmp = try TempDir(backend)
        let store = try Store.open(path: tmp.db)
        try store.db.write { try $0.run("INSERT INTO schema_migrations VALUES (9999, 'future', 'x', 0)") }
        #expect { _ = try Store.open(path: tmp.db) } throws: { "\($0)".contains("newer than this tracker") }
        try store.db.write { try $0.run("DELETE FROM schema_migrations WHERE version = 9999") }
        try store.db.write { try $0.run("UPDATE schema_migrations SET checksum = 'edited' WHERE version = 1") }
        #expect { _ = try Store.open(path: tmp.db) } throws: { "\($0)".contains("0001_initial was changed after it was applied") }
    }

    @Test(arguments: TestBackend.postgresOnly) func aForeignSchemaIsNotMigrated(_ backend: TestBackend) throws {
        let tmp = try TempDir(backend)
        let admin = try Store.open(path: tmp.db, mode: .inspect)
        try admin.db.write { try $0.execute("CREATE TABLE mine (x BIGINT); INSERT INTO mine VALUES (42)") }
        let r = try tracker(["run", "list", "--db", tmp.db])
        #expect(r.status == 1 && r.stderr.contains("not a tracker database"), "\(r.stderr)")
        #expect(try admin.db.read { try $0.queryOne("SELECT count(*) FROM mine") { $0.int(0) } } == 1)
    }

    /// Servers starting together on a new database migrate once (the migration's advisory lock)
    /// and none sees half a schema.
    @Test(arguments: TestBackend.postgresOnly) func concurrentFirstUseMigratesOnce(_ backend: TestBackend) throws {
        let tmp = try TempDir(backend)
        // The schema is gone too: the processes also race to create it (IF NOT EXISTS does not lock).
        let pg = try PGDatabase(url: tmp.db)
        let schema = try pg.read { try $0.queryOne("SELECT current_schema()") { $0.string(0) } } ?? ""
        try pg.withConnection { try $0.execute("DROP SCHEMA \"\(schema)\" CASCADE") }
        pg.close()
        let failed = try trackersTogether(["run", "start", "--db", tmp.db], count: 6, stderrIn: tmp.url)
        #expect(failed.isEmpty, "\(failed)")
        let store = try Store.open(path: tmp.db)
        #expect(try store.db.read { try $0.queryOne("SELECT count(*) FROM schema_migrations") { $0.int(0) } } == Migration.embedded.count)
        #expect(try store.db.read { try $0.queryOne("SELECT count(*) FROM runs") { $0.int(0) } } == 6)
    }
}
