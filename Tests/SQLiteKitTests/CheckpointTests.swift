import Foundation
import Testing

@testable import SQLiteKit

/// Closing, checkpointing and copying a WAL database (issue 12 item 3).
@Suite struct CheckpointTests {
    func exists(_ path: String) -> Bool { FileManager.default.fileExists(atPath: path) }

    @Test func releasingAConnectionWithCachedStatementsClosesItAndRemovesTheWAL() throws {
        let tmp = TempDB()
        do {
            let conn = try Connection(path: tmp.path)
            try conn.execute("CREATE TABLE t (v INTEGER)")
            try conn.run("INSERT INTO t (v) VALUES (?)", [.integer(1)])  // a cached statement
            #expect(exists(tmp.path + "-wal"))
        }
        // A statement retaining its connection used to keep both alive: the WAL stayed.
        #expect(!exists(tmp.path + "-wal"))
    }

    @Test func databaseCloseCheckpointsEveryConnectionAndRefusesLaterUse() throws {
        let tmp = TempDB()
        let db = try Database(path: tmp.path, readers: 2)
        try db.write { try $0.execute("CREATE TABLE t (v INTEGER)") }
        try db.write { try $0.run("INSERT INTO t (v) VALUES (1)") }
        #expect(try db.read { try $0.queryOne("SELECT count(*) FROM t") { $0.int(0) } } == 1)
        db.close()
        #expect(!exists(tmp.path + "-wal"))
        #expect(throws: SQLiteError.self) { try db.write { try $0.run("INSERT INTO t (v) VALUES (2)") } }
        db.close()  // idempotent
        let reopened = try Connection(path: tmp.path, mode: .readOnly)
        #expect(try reopened.queryOne("SELECT count(*) FROM t") { $0.int(0) } == 1)
    }

    @Test func passiveCheckpointCopiesTheWALWhileAnotherConnectionKeepsTheFileOpen() throws {
        let tmp = TempDB()
        let db = try Database(path: tmp.path, readers: 1)
        try db.write { try $0.execute("CREATE TABLE t (v INTEGER); INSERT INTO t VALUES (42)") }
        let result = try db.checkpoint()
        #expect(result.walFrames > 0 && result.checkpointed == result.walFrames)
        // The main file alone now holds the table: a copy without the WAL reads it.
        let copy = tmp.dir.appendingPathComponent("copy.db").path
        try FileManager.default.copyItem(atPath: tmp.path, toPath: copy)
        let c = try Connection(path: copy, mode: .readOnly)
        #expect(try c.queryOne("SELECT v FROM t") { $0.int(0) } == 42)
    }

    @Test func vacuumIntoWritesACopyAndRefusesAnExistingFile() throws {
        let tmp = TempDB()
        let conn = try Connection(path: tmp.path)
        try conn.execute("CREATE TABLE t (v TEXT); INSERT INTO t VALUES ('x')")
        let target = tmp.dir.appendingPathComponent("backup.db").path
        try conn.vacuum(into: target)
        let copy = try Connection(path: target, mode: .readOnly)
        #expect(try copy.queryOne("SELECT v FROM t") { $0.string(0) } == "x")
        #expect(throws: SQLiteError.self) { try conn.vacuum(into: target) }
    }
}
