import Foundation
import SQLiteKit
import Synchronization
import TrackerPostgres
import TrackerStore

/// A backend the store-level tests run on, one `arguments:` value each (issue #18).
public enum TestBackend: String, Sendable, CustomStringConvertible {
    case sqlite
    case postgres

    /// The PostgreSQL server tests use (scripts/test.sh starts a throwaway one and sets it).
    public static var postgresURL: String? {
        let url = ProcessInfo.processInfo.environment["TRACKER_TEST_POSTGRES_URL"] ?? ""
        return url.isEmpty ? nil : url
    }

    /// Whether PostgreSQL is required (CI=true or TRACKER_REQUIRE_POSTGRES=1): then a missing
    /// server fails the PostgreSQL cases instead of leaving them out.
    public static var postgresRequired: Bool {
        let env = ProcessInfo.processInfo.environment
        return env["CI"] == "true" || env["TRACKER_REQUIRE_POSTGRES"] == "1"
    }

    /// SQLite always; PostgreSQL when a server is configured or required.
    public static var all: [TestBackend] {
        postgresURL != nil || postgresRequired ? [.sqlite, .postgres] : [.sqlite]
    }

    /// PostgreSQL alone, when configured or required (tests of PostgreSQL-only behaviour).
    public static var postgresOnly: [TestBackend] {
        postgresURL != nil || postgresRequired ? [.postgres] : []
    }

    /// The name tests are listed under.
    public var description: String { rawValue }
}

/// A fresh schema in the test PostgreSQL database, dropped at deinit: tests run side by side,
/// each in its own schema, reached through the URL's `search_path`. After `useCopy(of:)` the
/// test's database is a copy of a seeded template instead, dropped at deinit too.
final class TestSchema {
    let name: String
    private(set) var url: String
    private let base: String
    private let admin: PGDatabase
    private let folder: URL
    private var copied = false

    init(folder: URL) throws {
        guard let base = TestBackend.postgresURL else {
            throw TestBackendError(
                "PostgreSQL is required (CI=true or TRACKER_REQUIRE_POSTGRES=1) but TRACKER_TEST_POSTGRES_URL is unset; run scripts/test.sh, or start one with scripts/pg.sh start DIR"
            )
        }
        self.base = base
        self.folder = folder
        name = "t_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        admin = try PGDatabase(url: base, maxIdle: 1)
        let schema = name
        try admin.withConnection { try $0.execute("CREATE SCHEMA \(schema)") }
        url = base + (base.contains("?") ? "&" : "?") + "search_path=\(name)"
        Self.folders.withLock { $0[url] = folder }
    }

    /// Makes the test's database a copy of `template` (a database made by `SeedTemplates`).
    func useCopy(of template: String) throws {
        let copy = name
        try admin.withConnection { try $0.execute("CREATE DATABASE \(copy) TEMPLATE \(template)") }
        copied = true
        let old = url
        url = try SeedTemplates.url(base, database: copy)
        Self.folders.withLock { folders in
            folders[old] = nil
            folders[url] = folder
        }
    }

    /// The test folder of each live schema's URL.
    private static let folders = Mutex<[String: URL]>([:])

    /// The folder of the test whose database `args` name (`--db URL`, `--db=URL`), if any.
    static func folder(named args: [String]) -> URL? {
        folders.withLock { folders in
            args.compactMap { folders[$0.hasPrefix("--db=") ? String($0.dropFirst(5)) : $0] }.first
        }
    }

    deinit {
        let schema = name
        let copied = copied
        _ = Self.folders.withLock { $0.removeValue(forKey: url) }
        try? admin.withConnection { c in
            try c.execute("DROP SCHEMA \(schema) CASCADE")
            if copied { try c.execute("DROP DATABASE IF EXISTS \(schema) WITH (FORCE)") }
        }
        admin.close()
    }
}

/// Seeded PostgreSQL databases, written once per test process and seed, that tests copy
/// (`CREATE DATABASE … TEMPLATE`, a file copy): writing the weekly-report scenario takes seconds
/// on PostgreSQL, and two dozen UI and report tests start from it.
public enum SeedTemplates {
    /// Made templates by seed key; `lock` also makes one seed at a time.
    // nonisolated(unsafe): only read and written while `lock` is held.
    nonisolated(unsafe) private static var made: [String: String] = [:]
    private static let lock = NSLock()
    /// The schema the seeded data lives in, in a template and in its copies.
    static let schema = "seed"

    /// The template database for `key`, seeding it with `seed(url)` the first time. Templates of
    /// test processes that have ended are dropped on the way.
    static func database(_ key: String, seed: (String) throws -> Void) throws -> String {
        lock.lock()
        defer { lock.unlock() }
        if let made = made[key] { return made }
        guard let base = TestBackend.postgresURL else { throw TestBackendError("TRACKER_TEST_POSTGRES_URL is unset") }
        let name = "tmpl_\(getpid())_\(key)"
        let admin = try PGDatabase(url: base, maxIdle: 1)
        defer { admin.close() }
        try admin.withConnection { c in
            let templates = try c.query("SELECT datname FROM pg_database WHERE datname LIKE 'tmpl\\_%'") { $0[0].string ?? "" }
            for stale in templates where stale == name || !processIsAlive(stale) {
                try c.execute("DROP DATABASE IF EXISTS \(stale) WITH (FORCE)")
            }
            try c.execute("CREATE DATABASE \(name)")
        }
        try seed(try url(base, database: name))
        made[key] = name
        return name
    }

    /// `base` with another database and the seed schema as its search path.
    static func url(_ base: String, database: String) throws -> String {
        guard var c = URLComponents(string: base) else { throw TestBackendError("cannot read \(base)") }
        c.path = "/" + database
        c.queryItems = (c.queryItems ?? []).filter { $0.name != "search_path" } + [URLQueryItem(name: "search_path", value: schema)]
        guard let url = c.string else { throw TestBackendError("cannot build a URL from \(base)") }
        return url
    }

    /// Whether the test process that named template `tmpl_PID_…` still runs.
    private static func processIsAlive(_ template: String) -> Bool {
        let parts = template.split(separator: "_")
        guard parts.count > 2, let pid = Int32(parts[1]) else { return false }
        return kill(pid, 0) == 0
    }
}

/// Why a backend could not be set up for a test.
public struct TestBackendError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
