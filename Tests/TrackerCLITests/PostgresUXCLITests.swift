import Foundation
import Testing
import TrackerCore
import TrackerPostgres

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// What a new user meets on PostgreSQL, through the real binary (issue #18's walkthrough):
/// URL parameters, schema names, missing schemas, unreachable servers, help, artifacts.
@Suite struct PostgresUXCLITests {
    /// `url` with `query` appended.
    private func with(_ url: String, _ query: String) -> String { url + (url.contains("?") ? "&" : "?") + query }

    /// The test server's URL without the test's `search_path`.
    private func base(_ tmp: TempDir) -> String {
        var c = URLComponents(string: tmp.db)!
        c.queryItems = c.queryItems?.filter { $0.name != "search_path" }
        if c.queryItems?.isEmpty ?? false { c.queryItems = nil }
        return c.string!
    }

    private func schemaExists(_ name: String, _ tmp: TempDir) throws -> Bool {
        let admin = try PGDatabase(url: base(tmp), maxIdle: 1)
        defer { admin.close() }
        return try admin.withConnection { c in
            try c.queryOne("SELECT 1 FROM pg_namespace WHERE nspname = ?", [.text(name)]) { _ in true } ?? false
        }
    }

    private func dropSchema(_ name: String, _ tmp: TempDir) {
        guard let admin = try? PGDatabase(url: base(tmp), maxIdle: 1) else { return }
        defer { admin.close() }
        _ = try? admin.withConnection { try $0.execute("DROP SCHEMA IF EXISTS \"\(name)\" CASCADE") }
    }

    @Test(arguments: TestBackend.postgresOnly) func unknownURLParametersAreRefusedWithASuggestion(_ backend: TestBackend) throws {
        let tmp = try TempDir(backend)
        for (typo, meant) in [("sslmod=require", "sslmode"), ("ssl_mode=require", "sslmode"), ("searchpath=team1", "search_path")] {
            let r = try tracker(["experiment", "list", "--db", with(tmp.db, typo)])
            let name = String(typo.prefix { $0 != "=" })
            #expect(r.status == 1, "\(typo): \(r.stdout)\(r.stderr)")
            #expect(r.stderr.contains("unknown parameter ?\(name)="), "\(r.stderr)")
            #expect(r.stderr.contains("did you mean \(meant)?"), "\(r.stderr)")
            #expect(r.stderr.contains("search_path, host, password, connect_timeout, application_name, sslmode"), "\(r.stderr)")
        }
        let far = try tracker(["experiment", "list", "--db", with(tmp.db, "target_session_attrs=any")])
        #expect(far.status == 1 && far.stderr.contains("unknown parameter ?target_session_attrs=") && !far.stderr.contains("did you mean"))
    }

    @Test(arguments: TestBackend.postgresOnly) func connectTimeoutAndApplicationNameAreRead(_ backend: TestBackend) throws {
        let tmp = try TempDir(backend)
        let url = with(tmp.db, "connect_timeout=5&application_name=tracker-ux-test")
        try ok(["experiment", "create", "timed", "--db", url])
        #expect(try ok(["experiment", "list", "--db", url]).contains("timed"))
        let db = try PGDatabase(url: url, maxIdle: 1)
        defer { db.close() }
        let name = try db.withConnection { try $0.queryOne("SELECT current_setting('application_name')") { $0.string(0) } }
        #expect(name == "tracker-ux-test")
        let bad = try tracker(["experiment", "list", "--db", with(tmp.db, "connect_timeout=soon")])
        #expect(bad.status == 1 && bad.stderr.contains("connect_timeout=soon is not a whole number of seconds"), "\(bad.stderr)")
    }

    @Test(arguments: TestBackend.postgresOnly) func schemaNamesFoldToLowerCaseAsPostgreSQLDoes(_ backend: TestBackend) throws {
        let tmp = try TempDir(backend)
        let lower = "ux_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(12)
        defer { dropSchema(lower, tmp) }
        let upper = lower.uppercased()
        try ok(["experiment", "create", "shouting", "--db", with(base(tmp), "search_path=\(upper)")])
        #expect(try ok(["experiment", "list", "--db", with(base(tmp), "search_path=\(lower)")]).contains("shouting"))
        #expect(try schemaExists(lower, tmp))
        #expect(try !schemaExists(upper, tmp), "no empty quoted schema \"\(upper)\"")
        let digit = try tracker(["experiment", "list", "--db", with(base(tmp), "search_path=1abc")])
        #expect(digit.status == 1 && digit.stderr.contains("search_path=1abc starts with a digit"), "\(digit.stderr)")
    }

    @Test(arguments: TestBackend.postgresOnly) func inspectingAMissingSchemaCreatesNothing(_ backend: TestBackend) throws {
        let tmp = try TempDir(backend)
        let missing = "ux_missing_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(8)
        defer { dropSchema(missing, tmp) }
        let url = with(base(tmp), "search_path=\(missing)")
        let copy = try tracker(["db", "copy", "--from", url, "--to", tmp.file("back.db")])
        #expect(copy.status == 1, "\(copy.stdout)\(copy.stderr)")
        #expect(copy.stderr.contains("no tracker database at") && copy.stderr.contains("schema \(missing) does not exist"), "\(copy.stderr)")
        #expect(!copy.stderr.contains("SQLSTATE"), "\(copy.stderr)")
        let status = try tracker(["db", "status", "--db", url])
        #expect(status.status == 1 && status.stderr.contains("no tracker database at"), "\(status.stderr)")
        #expect(try !schemaExists(missing, tmp))
        #expect(!FileManager.default.fileExists(atPath: tmp.file("back.db")))
    }

    @Test func copyingFromAMissingSQLiteFileCreatesNothing() throws {
        let tmp = TempDir()
        let copy = try tracker(["db", "copy", "--from", tmp.file("nosuch.db"), "--to", tmp.file("back.db")])
        #expect(copy.status == 1 && copy.stderr.contains("no tracker database at"), "\(copy.stderr)")
        #expect(!FileManager.default.fileExists(atPath: tmp.file("nosuch.db")))
        #expect(!FileManager.default.fileExists(atPath: tmp.file("back.db")))
    }

    @Test func aRefusedConnectionSaysSoPlainly() throws {
        let r = try tracker(["experiment", "list", "--db", "postgres://postgres@127.0.0.1:1/tracker"])
        #expect(r.status == 1)
        #expect(
            r.stderr.contains(
                "cannot connect to PostgreSQL at postgres://postgres@127.0.0.1:1/tracker: connection refused "
                    + "(is the server running and accepting TCP connections on 127.0.0.1:1?)"), "\(r.stderr)")
        #expect(!r.stderr.contains("SingleConnectionFailure") && !r.stderr.contains("errno"), "\(r.stderr)")
    }

    @Test func helpMentionsPostgreSQL() throws {
        #expect(try ok(["run", "list", "--help"]).contains("a SQLite file or a postgres:// URL"))
        #expect(try ok(["--help"]).contains("PostgreSQL"))
        #expect(try ok(["serve", "--help"]).contains("(SQLite only)"))
    }

    @Test(arguments: TestBackend.postgresOnly) func dbStatusReportsTheSchemasSize(_ backend: TestBackend) throws {
        let tmp = try TempDir(backend)
        try ok(["init", "--db", tmp.db])
        let out = try ok(["db", "status", "--db", tmp.db])
        #expect(out.contains("bytes (this schema's tables, with indexes)"), "\(out)")
        let json = try requireJSON(try ok(["db", "status", "--json", "--db", tmp.db]))
        let admin = try PGDatabase(url: tmp.db, maxIdle: 1)
        defer { admin.close() }
        let whole = try admin.withConnection { try $0.queryOne("SELECT pg_database_size(current_database())") { $0.int64(0) } } ?? 0
        let bytes = json["file_bytes"]?.int64Value ?? 0
        #expect(bytes > 0 && bytes < whole, "schema \(bytes) bytes, database \(whole)")
    }

    @Test(arguments: TestBackend.all) func aMissingArtifactFileIsA404WithoutTheServersPath(_ backend: TestBackend) async throws {
        let tmp = try TempDir(backend)
        let run = try ok(["run", "start", "--db", tmp.db]).trimmingCharacters(in: .whitespacesAndNewlines)
        tmp.write("f.txt", "hello")
        try ok(["log", "artifact", run, tmp.file("f.txt"), "--db", tmp.db, "--artifacts", tmp.file("here")])
        let server = try ServerProcess(["serve", "--port", "0", "--db", tmp.db, "--artifacts", tmp.file("elsewhere")])
        defer { server.stop() }
        let get = URL(string: "http://127.0.0.1:\(server.port)/api/2.0/mlflow-artifacts/artifacts/0/\(run)/artifacts/f.txt")!
        let (data, response) = try await URLSession.shared.data(from: get)
        let body = String(decoding: data, as: UTF8.self)
        #expect((response as? HTTPURLResponse)?.statusCode == 404, "\(body)")
        #expect(body.contains("RESOURCE_DOES_NOT_EXIST") && !body.contains(tmp.url.path), "\(body)")
    }

    // An outage of PostgreSQL under a running server (503, then 200 again) is checked in
    // tests/python/test_pg_outage.py: it stops and restarts its own cluster.
}
