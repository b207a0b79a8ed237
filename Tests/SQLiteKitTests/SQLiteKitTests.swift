import Foundation
import Testing

@testable import SQLiteKit

/// A fresh database file in its own temporary folder, removed when the test ends.
final class TempDB {
    let dir: URL
    var path: String { dir.appendingPathComponent("test.db").path }

    init() {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("sqlitekit-\(UUID().uuidString)")
        try! FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: dir) }
}

@Suite struct ValueTests {
    @Test func everyValueKindRoundTrips() throws {
        let tmp = TempDB()
        let conn = try Connection(path: tmp.path)
        try conn.execute("CREATE TABLE t (v ANY) STRICT")
        let big = [UInt8]((0..<1_000_000).map { UInt8(truncatingIfNeeded: $0 &* 31) })
        let values: [SQLiteValue] = [
            .integer(0), .integer(.max), .integer(.min), .real(1.5), .real(-0.25), .real(.infinity), .real(-.infinity),
            .real(.greatestFiniteMagnitude), .text(""), .text("héllo wörld ✓ 日本語 🚀"), .text("with\u{0}nul"),
            .blob([]), .blob([0, 1, 2, 255]), .blob(big), .null,
        ]
        for v in values { try conn.run("INSERT INTO t (v) VALUES (?)", [v]) }
        let back = try conn.query("SELECT v FROM t ORDER BY rowid") { $0[0] }
        #expect(back.count == values.count)
        for (b, v) in zip(back, values) {
            if case .blob(let x) = v, x.count > 100 {
                let same = b == v
                #expect(same, "large blob differs")
            } else {
                #expect(b == v)
            }
        }
    }

    @Test func nanBecomesNullInSQLite() throws {
        // SQLite stores a bound NaN as NULL; the store encodes NaN itself (see MetricValue tests).
        let tmp = TempDB()
        let conn = try Connection(path: tmp.path)
        try conn.execute("CREATE TABLE t (v REAL)")
        try conn.run("INSERT INTO t (v) VALUES (?)", [.real(.nan)])
        #expect(try conn.queryOne("SELECT v FROM t") { $0[0] } == .null)
    }

    @Test func wrongParameterCountIsAnError() throws {
        let tmp = TempDB()
        let conn = try Connection(path: tmp.path)
        try conn.execute("CREATE TABLE t (a, b)")
        #expect(throws: SQLiteError.self) { try conn.run("INSERT INTO t VALUES (?, ?)", [.integer(1)]) }
    }
}

@Suite struct StatementTests {
    @Test func cachedStatementsAreReused() throws {
        let tmp = TempDB()
        let conn = try Connection(path: tmp.path)
        try conn.execute("CREATE TABLE t (x INTEGER)")
        let before = conn.cachedStatementCount
        for i in 0..<100 { try conn.run("INSERT INTO t (x) VALUES (?)", [.integer(Int64(i))]) }
        #expect(conn.cachedStatementCount == before + 1)
        #expect(try conn.queryOne("SELECT sum(x) FROM t") { $0.int(0) } == 4950)
        // A statement abandoned mid-iteration is reset before reuse.
        let first = try conn.query("SELECT x FROM t ORDER BY x LIMIT 3") { $0.int(0) }
        let again = try conn.query("SELECT x FROM t ORDER BY x LIMIT 3") { $0.int(0) }
        #expect(first == [0, 1, 2] && again == first)
    }

    @Test func syntaxErrorCarriesSQLAndCode() throws {
        let tmp = TempDB()
        let conn = try Connection(path: tmp.path)
        do {
            _ = try conn.prepare("SELEC 1")
            Issue.record("expected an error")
        } catch let e as SQLiteError {
            #expect(e.primaryCode == 1)
            #expect(e.sql == "SELEC 1")
            #expect(e.message.contains("syntax error"))
        }
    }
}

@Suite struct TransactionTests {
    @Test func rollbackOnThrow() throws {
        struct Boom: Error {}
        let tmp = TempDB()
        let db = try Database(path: tmp.path)
        try db.write { try $0.execute("CREATE TABLE t (x INTEGER)") }
        #expect(throws: Boom.self) {
            try db.write { conn in
                try conn.run("INSERT INTO t VALUES (1)")
                throw Boom()
            }
        }
        #expect(try db.read { try $0.queryOne("SELECT count(*) FROM t") { $0.int(0) } } == 0)
    }

    @Test func nestedSavepointsRollBackOnlyTheirPart() throws {
        struct Boom: Error {}
        let tmp = TempDB()
        let db = try Database(path: tmp.path)
        try db.write { try $0.execute("CREATE TABLE t (x INTEGER)") }
        try db.write { conn in
            try conn.run("INSERT INTO t VALUES (1)")
            try? conn.transaction { c in
                try c.run("INSERT INTO t VALUES (2)")
                try c.transaction { c2 in try c2.run("INSERT INTO t VALUES (3)") }
                throw Boom()
            }
            try conn.transaction { c in try c.run("INSERT INTO t VALUES (4)") }
        }
        #expect(try db.read { try $0.query("SELECT x FROM t ORDER BY x") { $0.int(0) } } == [1, 4])
    }

    @Test func firstErrorWins() throws {
        struct First: Error {}
        let tmp = TempDB()
        let db = try Database(path: tmp.path)
        try db.write { try $0.execute("CREATE TABLE t (x INTEGER)") }
        // The body ends the transaction itself, so the rollback fails; the body's error still surfaces.
        #expect(throws: First.self) {
            try db.write { conn in
                try conn.execute("COMMIT")
                throw First()
            }
        }
    }

    @Test func constraintViolationsAreTyped() throws {
        let tmp = TempDB()
        let db = try Database(path: tmp.path)
        try db.write {
            try $0.execute(
                "CREATE TABLE p (id INTEGER PRIMARY KEY); CREATE TABLE c (p INTEGER REFERENCES p(id)); CREATE TABLE u (k TEXT UNIQUE)")
        }
        do {
            try db.write { try $0.run("INSERT INTO c VALUES (42)") }
            Issue.record("expected a foreign key error")
        } catch let e as SQLiteError {
            #expect(e.isForeignKeyViolation)
        }
        try db.write { try $0.run("INSERT INTO u VALUES ('a')") }
        do {
            try db.write { try $0.run("INSERT INTO u VALUES ('a')") }
            Issue.record("expected a unique error")
        } catch let e as SQLiteError {
            #expect(e.isUniqueViolation)
            #expect(e.sql == "INSERT INTO u VALUES ('a')")
        }
    }

    @Test func pragmasAreSet() throws {
        let tmp = TempDB()
        let conn = try Connection(path: tmp.path)
        #expect(try conn.queryOne("PRAGMA journal_mode") { $0.string(0) } == "wal")
        #expect(try conn.queryOne("PRAGMA foreign_keys") { $0.int(0) } == 1)
        #expect(try conn.queryOne("PRAGMA synchronous") { $0.int(0) } == 1)
        #expect(try conn.queryOne("PRAGMA busy_timeout") { $0.int(0) } == 15_000)
    }

    @Test func twoConnectionsWritingConcurrentlyDoNotSeeLocked() async throws {
        let tmp = TempDB()
        let setup = try Database(path: tmp.path)
        try setup.write { try $0.execute("CREATE TABLE t (w INTEGER, i INTEGER)") }
        let path = tmp.path
        try await withThrowingTaskGroup(of: Void.self) { group in
            for w in 0..<4 {
                group.addTask {
                    let db = try Database(path: path)
                    for i in 0..<200 {
                        try db.write { conn in
                            try conn.run("INSERT INTO t VALUES (?, ?)", [.integer(Int64(w)), .integer(Int64(i))])
                        }
                    }
                }
            }
            try await group.waitForAll()
        }
        #expect(try setup.read { try $0.queryOne("SELECT count(*) FROM t") { $0.int(0) } } == 800)
    }

    @Test func notADatabaseIsRefusedAndUntouched() throws {
        let tmp = TempDB()
        try Data("not a database, just text\n".utf8).write(to: URL(fileURLWithPath: tmp.path))
        do {
            _ = try Connection(path: tmp.path)
            Issue.record("expected an error")
        } catch let e as SQLiteError {
            #expect(e.isNotADatabase)
        }
        #expect(try String(contentsOfFile: tmp.path, encoding: .utf8) == "not a database, just text\n")
    }
}
