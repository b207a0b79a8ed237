import Foundation
import Logging
import NIOCore
import NIOPosix
import PostgresNIO
import SQLiteKit
import Synchronization

/// A PostgreSQL database as the store's `SQLDatabase`: a small pool of connections, read
/// transactions at REPEATABLE READ (one snapshot, as SQLite's reads), and write transactions
/// serialized across every process by one advisory lock — the guarantee SQLite's single writer
/// gives the repositories' check-then-write code, kept as is.
public final class PGDatabase: SQLDatabase {
    /// Where the database is, as given (without its password), for messages.
    public let path: String
    private let configuration: PostgresConnection.Configuration
    /// The TLS the URL asks for, and the host it names: to explain a failed connection.
    private let tls: (settings: PGTLS, host: String)
    private let logger: Logger
    /// Idle connections, how many ids were handed out, and whether `close()` has run.
    private let pool = Mutex<(idle: [Box], nextID: Int, closed: Bool)>(([], 0, false))
    /// Idle connections kept open beyond this are closed.
    private let maxIdle: Int
    /// Where connections go, for messages: `host:port`, or the socket file.
    private let target: String

    /// The advisory lock every write transaction takes (`pg_advisory_xact_lock`), so writers run
    /// one at a time across servers, as on SQLite.
    public static let writeLockKey: Int64 = 0x7472_6163_6b01  // "track" 01
    /// The advisory lock a migration takes, so servers starting together migrate once.
    public static let migrationLockKey: Int64 = 0x7472_6163_6b02

    /// A connection moved in and out of the pool.
    private final class Box: @unchecked Sendable {
        // Safe: a box is used by one thread at a time — taken from the pool under its mutex,
        // used, then returned under the mutex.
        let connection: PGConnection
        init(_ c: PGConnection) { connection = c }
    }

    /// Opens the database named by `url` (postgres://user[:password]@host[:port]/database, with
    /// optional `?search_path=schema` and libpq's `sslmode`, `sslrootcert`, `sslcert`, `sslkey`),
    /// connecting once to check it. `maxIdle` connections are kept for reuse. A missing schema
    /// is created (as SQLite creates a missing file), unless `createSchema` is false: then it is
    /// refused with `PGError.noSchema`.
    public init(url: String, maxIdle: Int = 8, createSchema: Bool = true) throws {
        let parsed = try PGURL(url)
        self.path = parsed.display
        self.configuration = parsed.configuration
        self.tls = (parsed.tls, parsed.host)
        var logger = Logger(label: "tracker.postgres")
        logger.logLevel = .critical
        self.logger = logger
        self.maxIdle = maxIdle
        self.target = parsed.target
        let first = try connect()
        if let schema = parsed.schema, !createSchema {
            let exists = try first.connection.queryOne("SELECT 1 FROM pg_namespace WHERE nspname = ?", [.text(schema)]) { _ in true }
            if exists == nil {
                first.connection.close()
                throw PGError.noSchema(path, schema)
            }
        } else if let schema = parsed.schema {
            do {
                try first.connection.execute("CREATE SCHEMA IF NOT EXISTS \"\(schema)\"")
            } catch let e as SQLiteError where e.isUniqueViolation {
                // Another process created it at the same moment (IF NOT EXISTS does not lock):
                // the schema is there, which is all this wanted.
            } catch {
                throw PGError.cannotConnect(path, "cannot create schema \(schema): \(error)")
            }
        }
        pool.withLock { $0.idle.append(first) }
    }

    public var dialect: SQLDialect { .postgres }

    private func connect() throws -> Box {
        let id = pool.withLock { p -> Int in
            p.nextID += 1
            return p.nextID
        }
        do {
            let c = try PostgresConnection.connect(
                on: MultiThreadedEventLoopGroup.singleton.next(), configuration: configuration, id: id, logger: logger
            ).wait()
            return Box(PGConnection(c, logger: logger))
        } catch {
            if let why = tls.settings.explain(error, host: tls.host) { throw PGError.tls(path, why) }
            throw PGError.cannotConnect(path, PGError.reason(error, target: target))
        }
    }

    private func take() throws -> Box {
        let idle = try pool.withLock { p -> Box? in
            if p.closed { throw SQLiteError(extendedCode: 21, message: "the database connection is closed", engine: "PostgreSQL") }
            return p.idle.popLast()
        }
        if let idle, !idle.connection.isBroken { return idle }
        return try connect()
    }

    private func giveBack(_ box: Box) {
        if box.connection.isBroken { return }
        let keep = pool.withLock { p -> Bool in
            if p.closed || p.idle.count >= maxIdle { return false }
            p.idle.append(box)
            return true
        }
        if !keep { box.connection.close() }
    }

    @discardableResult
    public func read<T: Sendable>(_ body: (any SQLConnection) throws -> T) throws -> T {
        let box = try take()
        defer { giveBack(box) }
        return try box.connection.transaction(begin: ["BEGIN ISOLATION LEVEL REPEATABLE READ"], commitUnwaited: true, body)
    }

    /// Write transactions of this process take turns before taking a connection: they run one at
    /// a time anyway (the advisory lock), and many waiting on the lock at once cut log-batch
    /// throughput to a third (2 → 8 store threads: 162 → 52 batches/s).
    private let writeGate = NSLock()

    @discardableResult
    public func write<T: Sendable>(_ body: (any SQLConnection) throws -> T) throws -> T {
        writeGate.lock()
        defer { writeGate.unlock() }
        let box = try take()
        defer { giveBack(box) }
        return try box.connection.transaction(begin: ["BEGIN", "SELECT pg_advisory_xact_lock(\(PGDatabase.writeLockKey))"], body)
    }

    @discardableResult
    public func withConnection<T: Sendable>(_ body: (any SQLConnection) throws -> T) throws -> T {
        let box = try take()
        defer { giveBack(box) }
        return try body(box.connection)
    }

    /// Runs `body` in a write transaction that first takes `lock` as well (migrations).
    @discardableResult
    public func write<T: Sendable>(locking lock: Int64, _ body: (any SQLConnection) throws -> T) throws -> T {
        let box = try take()
        defer { giveBack(box) }
        return try box.connection.transaction(
            begin: ["BEGIN", "SELECT pg_advisory_xact_lock(\(lock))", "SELECT pg_advisory_xact_lock(\(PGDatabase.writeLockKey))"], body)
    }

    public func close() {
        let idle = pool.withLock { p -> [Box] in
            p.closed = true
            defer { p.idle = [] }
            return p.idle
        }
        for box in idle { box.connection.close() }
    }
}

/// Why the PostgreSQL backend could not start.
public enum PGError: Error, CustomStringConvertible {
    /// The URL is not one this backend reads.
    case badURL(String, String)
    /// No connection could be made.
    case cannotConnect(String, String)
    /// The server was reached but TLS failed (no TLS when required, a certificate that failed a check).
    case tls(String, String)
    /// The URL's `search_path` schema does not exist, and was not to be created.
    case noSchema(String, String)

    public var description: String {
        switch self {
        case .badURL(let url, let why): return "\(url) is not a PostgreSQL URL this tracker reads: \(why)"
        case .cannotConnect(let url, let why):
            return "cannot connect to PostgreSQL at \(url): \(why)"
        case .tls(let url, let why): return "cannot connect to PostgreSQL at \(url) over TLS: \(why)"
        case .noSchema(let url, let schema):
            return "no tracker database at \(url): schema \(schema) does not exist (nothing was created); "
                + "check search_path, or create it with 'tracker init --db URL'"
        }
    }

    /// Why a connection failed, in a sentence: the server's own message, or what the network
    /// said in plain words (postgres-nio's error values name internals such as `SingleConnectionFailure`).
    static func reason(_ error: Error, target: String) -> String {
        if let e = error as? PSQLError {
            if let m = e.serverInfo?[.message] { return m + "; check the URL's user, password and database" }
            if e.code == .serverClosedConnection || e.code == .uncleanShutdown {
                return "the server closed the connection before it answered (is \(target) a PostgreSQL server, and reachable?)"
            }
            if let u = e.underlying { return network(String(describing: u), target: target) }
            return String(describing: e.code)
        }
        return network(String(describing: error), target: target)
    }

    /// A network failure's text, reduced to what it means.
    private static func network(_ text: String, target: String) -> String {
        let known: [(String, String)] = [
            ("Connection refused", "connection refused (is the server running and accepting TCP connections on \(target)?)"),
            ("timed out", "the connection timed out (is \(target) reachable? raise connect_timeout=SECONDS in the URL for a slow network)"),
            ("connectTimeout", "the connection timed out (is \(target) reachable? raise connect_timeout=SECONDS in the URL for a slow network)"),
            ("No route to host", "no route to host \(target)"),
            ("Network is unreachable", "the network is unreachable from here (\(target))"),
            ("No such file or directory", "no PostgreSQL socket at \(target) (is the server running, with its socket in that folder?)"),
            ("NXDOMAIN", "the host name in \(target) does not resolve"),
            ("resolution", "the host name in \(target) does not resolve"),
        ]
        if let hit = known.first(where: { text.contains($0.0) }) { return hit.1 }
        return text + "; check that the server runs and the URL's host and port (\(target))"
    }
}
