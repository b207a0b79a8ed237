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
/// each in its own schema, reached through the URL's `search_path`.
final class TestSchema {
    let name: String
    let url: String
    private let admin: PGDatabase

    init(folder: URL) throws {
        guard let base = TestBackend.postgresURL else {
            throw TestBackendError(
                "PostgreSQL is required (CI=true or TRACKER_REQUIRE_POSTGRES=1) but TRACKER_TEST_POSTGRES_URL is unset; run scripts/test.sh, or start one with scripts/pg.sh start DIR"
            )
        }
        name = "t_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        admin = try PGDatabase(url: base, maxIdle: 1)
        let schema = name
        try admin.withConnection { try $0.execute("CREATE SCHEMA \(schema)") }
        url = base + (base.contains("?") ? "&" : "?") + "search_path=\(name)"
        Self.folders.withLock { $0[url] = folder }
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
        _ = Self.folders.withLock { $0.removeValue(forKey: url) }
        try? admin.withConnection { try $0.execute("DROP SCHEMA \(schema) CASCADE") }
        admin.close()
    }
}

/// Why a backend could not be set up for a test.
public struct TestBackendError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
