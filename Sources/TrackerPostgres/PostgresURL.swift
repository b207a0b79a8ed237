import Foundation
import PostgresNIO

/// A parsed postgres:// URL: postgres://user[:password]@host[:port]/database, with optional
/// `?search_path=schema`, `?host=/socket/dir`, `?password=…` and libpq's TLS parameters
/// (`sslmode`, `sslrootcert`, `sslcert`, `sslkey`; see `PGTLS`).
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

    init(_ url: String, home: String = NSHomeDirectory()) throws {
        guard let c = URLComponents(string: url), c.scheme == "postgres" || c.scheme == "postgresql" else {
            throw PGError.badURL(PGURL.redacted(url), "expected postgres://user@host:port/database")
        }
        var query: [String: String] = [:]
        for item in c.queryItems ?? [] { query[item.name] = item.value ?? "" }
        display = PGURL.display(c) ?? PGURL.redacted(url)
        let parsed: (PostgresConnection.Configuration, PGTLS, String, String?)
        do {
            parsed = try PGURL.parse(c, query: query, home: home)
        } catch {
            throw PGError.badURL(display, error.why)
        }
        (configuration, tls, host, schema) = parsed
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
        return (config, tls, host, schema)
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

    private static func schema(_ query: [String: String]) throws(PGURLProblem) -> String? {
        guard let schema = query["search_path"] else { return nil }
        guard schema.range(of: "^[A-Za-z_][A-Za-z0-9_]{0,62}$", options: .regularExpression) != nil else {
            throw PGURLProblem("search_path=\(schema) must be one schema name (letters, digits, _)")
        }
        return schema
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
