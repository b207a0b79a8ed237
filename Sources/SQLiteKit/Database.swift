import Synchronization

/// A database file shared across tasks and threads: one connection behind a lock.
///
/// `Connection` and `Statement` never leave the lock; `read` and `write` return only
/// `Sendable` results. Blocking SQLite work runs on the caller's thread, so async callers
/// (the server) hop to their own executor before calling in.
public final class Database: Sendable {
    private let lock = Mutex(())
    // Safe: `connection` is only touched inside `lock.withLock`, and the closures handed it
    // cannot keep it (they return `Sendable` results, and `Connection` is not `Sendable`).
    nonisolated(unsafe) private let connection: Connection
    /// The file path.
    public let path: String

    /// Opens (or creates) the database file. See `Connection.init`.
    public init(path: String, mode: Connection.Mode = .readWriteCreate) throws {
        self.connection = try Connection(path: path, mode: mode)
        self.path = path
    }

    /// Runs `body` in a read transaction (a consistent snapshot; readers never block writers in WAL).
    public func read<T: Sendable>(_ body: (Connection) throws -> T) throws -> T {
        try lock.withLock { _ in try connection.transaction(.deferred, body) }
    }

    /// Runs `body` in a write transaction (`BEGIN IMMEDIATE`): commit on return, rollback on throw.
    public func write<T: Sendable>(_ body: (Connection) throws -> T) throws -> T {
        try lock.withLock { _ in try connection.transaction(.immediate, body) }
    }

    /// Runs `body` with the connection and no transaction (pragmas, VACUUM).
    public func withConnection<T: Sendable>(_ body: (Connection) throws -> T) throws -> T {
        try lock.withLock { _ in try body(connection) }
    }
}
