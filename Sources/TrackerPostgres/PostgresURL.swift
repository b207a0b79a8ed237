import Foundation
import PostgresNIO

/// A parsed postgres:// URL: postgres://user[:password]@host[:port]/database, with optional
/// `?search_path=schema`, `?host=/socket/dir`, `?password=…`, `?connect_timeout=SECONDS`,
/// `?application_name=NAME` and libpq's TLS parameters (`sslmode`, `sslrootcert`, `sslcert`,
/// `sslkey`; see `PGTLS`). Any other parameter is refused, as libpq refuses one it does not know.
struct PGURL {
    let configuration: PostgresConnection.Configuration
    /// The URL without its password.
    let display: String
    /// The `search_path` schema the URL names, if any.
    let schema: String?
    /// The TLS the URL asks for.
    let tls: PGTLS
    /// The host as the URL names it (the name verify-full checks), or the socket folder.
    let host: String
    /// Where connections go, for messages: `host:port`, or the socket file.
    let target: String

    init(_ url: String, home: String = NSHomeDirectory()) throws {
        guard let c = URLComponents(string: url), c.scheme == "postgres" || c.scheme == "postgresql" else {
            throw PGError.badURL(PGURL.redacted(url), "expected postgres://user@host:port/database")
        }
        var query: [String: String] = [:]
        for item in c.queryItems ?? [] { query[item.name] = item.value ?? "" }
        display = PGURL.display(c) ?? PGURL.redacted(url)
        let parsed: (PostgresConnection.Configuration, PGTLS, String, String?)
        do {
            try PGURL.checkParameterNames(query.keys)
            parsed = try PGURL.parse(c, query: query, home: home)
        } catch {
            throw PGError.badURL(display, error.why)
        }
        (configuration, tls, host, schema) = parsed
        let port = c.port ?? 5432
        target = host.hasPrefix("/") || c.host?.isEmpty ?? true ? "\(host)/.s.PGSQL.\(port)" : "\(host):\(port)"
    }

    private static func parse(_ c: URLComponents, query: [String: String], home: String) throws(PGURLProblem) -> (
        PostgresConnection.Configuration, PGTLS, String, String?
    ) {
        var (config, tls, host) = try connection(c, query: query, home: home)
        let schema = try schema(query)
        if let schema {
            // One schema name only: it is created when missing (as SQLite creates a missing file).
            config.options.additionalStartupParameters.append(("search_path", schema))
        }
        if let seconds = query["connect_timeout"] {
            config.options.connectTimeout = TimeAmount.seconds(try timeout(seconds))
        }
        if let name = query["application_name"] {
            config.options.additionalStartupParameters.append(("application_name", name))
        }
        return (config, tls, host, schema)
    }

    /// The query parameters tracker reads; libpq's others are refused, not ignored (a mistyped
    /// `sslmode` ignored would connect unencrypted).
    static let parameters = [
        "search_path", "host", "password", "connect_timeout", "application_name", "sslmode", "sslrootcert", "sslcert", "sslkey",
    ]

    private static func checkParameterNames(_ names: Dictionary<String, String>.Keys) throws(PGURLProblem) {
        for name in names.sorted() where !parameters.contains(name) {
            if PGTLS.unsupported.contains(name) {
                throw PGURLProblem("\(name) is not supported by tracker; remove it from the URL")
            }
            let close = parameters.first { editDistance($0, name.lowercased()) <= max(1, name.count / 4) }
            let hint = close.map { "did you mean \($0)? " } ?? ""
            throw PGURLProblem(
                "unknown parameter ?\(name)=; \(hint)tracker reads \(parameters.joined(separator: ", "))")
        }
    }

    private static func timeout(_ value: String) throws(PGURLProblem) -> Int64 {
        // libpq: seconds, an integer; 0 or less means wait forever (here: postgres-nio's longest).
        guard let seconds = Int64(value) else {
            throw PGURLProblem("connect_timeout=\(value) is not a whole number of seconds")
        }
        if seconds <= 0 { return 365 * 24 * 3600 }
        // libpq waits at least 2 s.
        return max(seconds, 2)
    }

    /// Levenshtein distance, for "did you mean" hints.
    static func editDistance(_ a: String, _ b: String) -> Int {
        let b = Array(b)
        var previous = Array(0...b.count)
        for (i, x) in a.enumerated() {
            var current = [i + 1]
            for (j, y) in b.enumerated() {
                current.append(min(previous[j + 1] + 1, current[j] + 1, previous[j] + (x == y ? 0 : 1)))
            }
            previous = current
        }
        return previous[b.count]
    }

    private static func connection(_ c: URLComponents, query: [String: String], home: String) throws(PGURLProblem) -> (
        PostgresConnection.Configuration, PGTLS, String
    ) {
        let user = c.user ?? ProcessInfo.processInfo.environment["USER"] ?? "postgres"
        let password = c.password ?? query["password"]
        let database = String(c.path.drop(while: { $0 == "/" }))
        guard !database.isEmpty else { throw PGURLProblem("it names no database (…/DATABASE at its end)") }
        let tls = try PGTLS(query: query, home: home)
        let host = c.host ?? ""
        if host.isEmpty || host.hasPrefix("/") {
            let dir = query["host"] ?? (host.isEmpty ? "/var/run/postgresql" : host)
            if tls.mode.requiresTLS {
                throw PGURLProblem(
                    "sslmode=\(tls.mode.rawValue) asks for TLS, which PostgreSQL does not use over a Unix socket (\(dir)); "
                        + "name a TCP host (postgres://user@HOST:PORT/…) or use sslmode=prefer")
            }
            let config = PostgresConnection.Configuration(
                unixSocketPath: "\(dir)/.s.PGSQL.\(c.port ?? 5432)", username: user, password: password, database: database)
            return (config, tls, dir)
        }
        let config = PostgresConnection.Configuration(
            host: host, port: c.port ?? 5432, username: user, password: password, database: database, tls: try tls.connectionTLS())
        return (config, tls, host)
    }

    /// The schema `search_path` names, folded to lower case as PostgreSQL folds an unquoted
    /// name: `TEAM1` and `team1` are one schema, created and used under the same name.
    private static func schema(_ query: [String: String]) throws(PGURLProblem) -> String? {
        guard let schema = query["search_path"] else { return nil }
        if let first = schema.first, first.isNumber {
            throw PGURLProblem("search_path=\(schema) starts with a digit; a schema name starts with a letter or _")
        }
        guard schema.range(of: "^[A-Za-z_][A-Za-z0-9_]{0,62}$", options: .regularExpression) != nil else {
            throw PGURLProblem("search_path=\(schema) must be one schema name (letters, digits, _; at most 63)")
        }
        return schema.lowercased()
    }

    /// The URL without its password (in the user part or a `password=` parameter).
    private static func display(_ c: URLComponents) -> String? {
        var shown = c
        shown.password = nil
        if let items = shown.queryItems, items.contains(where: { $0.name == "password" }) {
            let kept = items.filter { $0.name != "password" }
            shown.queryItems = kept.isEmpty ? nil : kept
        }
        return shown.string
    }

    /// `url` with anything that may be a password hidden, for a URL too malformed to parse.
    static func redacted(_ url: String) -> String {
        url.replacingOccurrences(of: "(://[^:/@]*):[^@]*@", with: "$1:***@", options: .regularExpression)
            .replacingOccurrences(of: "([?&]password=)[^&]*", with: "$1***", options: .regularExpression)
    }
}
