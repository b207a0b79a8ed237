import Synchronization

/// A database file shared across tasks and threads: one writer connection behind a lock, plus
/// an optional pool of reader connections so reads run concurrently (WAL lets readers proceed
/// while a write is in progress).
///
/// `Connection` and `Statement` never leave the lock or the pool; `read` and `write` return only
/// `Sendable` results. Blocking SQLite work runs on the caller's thread, so async callers
/// (the server) hop to their own threads before calling in.
public final class Database: Sendable {
    private let lock = Mutex(())
    // Safe: `connection` is only touched inside `lock.withLock`, and the closures handed it
    // cannot keep it (they return `Sendable` results, and `Connection` is not `Sendable`).
    nonisolated(unsafe) private let connection: Connection
    /// Idle reader connections, how many have been opened, and whether `close()` has run.
    private let pool = Mutex<(idle: [ReaderBox], opened: Int, closed: Bool)>(([], 0, false))
    private let maxReaders: Int
    /// The file path.
    public let path: String

    /// Opens (or creates) the database file. `readers` > 0 allows that many concurrent read
    /// connections, opened on demand. See `Connection.init`.
    public init(path: String, mode: Connection.Mode = .readWriteCreate, readers: Int = 0) throws {
        self.connection = try Connection(path: path, mode: mode)
        self.path = path
        self.maxReaders = mode == .readOnly ? 0 : readers
    }

    /// A reader connection moved in and out of the pool.
    private final class ReaderBox: @unchecked Sendable {
        // Safe: a box is used by exactly one thread at a time — taken from the pool under its
        // mutex, used, then returned under the mutex.
        let connection: Connection
        init(_ c: Connection) { connection = c }
    }

    private func takeReader() -> ReaderBox? {
        guard maxReaders > 0 else { return nil }
        let (box, open) = pool.withLock { p -> (ReaderBox?, Bool) in
            if p.closed { return (nil, false) }
            if let b = p.idle.popLast() { return (b, false) }
            if p.opened < maxReaders {
                p.opened += 1
                return (nil, true)
            }
            return (nil, false)
        }
        if let box { return box }
        guard open else { return nil }
        do {
            return ReaderBox(try Connection(path: path, mode: .readWrite))
        } catch {
            pool.withLock { $0.opened -= 1 }
            return nil
        }
    }

    /// Returns a reader to the pool, or closes it when the database was closed meanwhile.
    private func giveBack(_ box: ReaderBox) {
        let keep = pool.withLock { p -> Bool in
            if p.closed { return false }
            p.idle.append(box)
            return true
        }
        if !keep { box.connection.close() }
    }

    /// Runs `body` in a read transaction (a consistent snapshot). With readers configured it runs
    /// on a pooled connection, concurrently with other reads and with the writer.
    @discardableResult
    public func read<T: Sendable>(_ body: (Connection) throws -> T) throws -> T {
        if let box = takeReader() {
            defer { giveBack(box) }
            return try box.connection.transaction(.deferred, body)
        }
        return try lock.withLock { _ in try connection.transaction(.deferred, body) }
    }

    /// Runs `body` in a write transaction (`BEGIN IMMEDIATE`): commit on return, rollback on throw.
    @discardableResult
    public func write<T: Sendable>(_ body: (Connection) throws -> T) throws -> T {
        try lock.withLock { _ in try connection.transaction(.immediate, body) }
    }

    /// Runs `body` with the writer connection and no transaction (pragmas, VACUUM).
    @discardableResult
    public func withConnection<T: Sendable>(_ body: (Connection) throws -> T) throws -> T {
        try lock.withLock { _ in try body(connection) }
    }

    /// Copies committed WAL content into the database file (`PRAGMA wal_checkpoint`), on an idle
    /// reader when there is one so writers are not held up. See `Connection.checkpoint`.
    @discardableResult
    public func checkpoint(_ mode: Connection.CheckpointMode = .passive) throws -> (walFrames: Int, checkpointed: Int) {
        if let box = takeReader() {
            defer { giveBack(box) }
            return try box.connection.checkpoint(mode)
        }
        return try lock.withLock { _ in try connection.checkpoint(mode) }
    }

    /// Closes every connection (the writer after the readers), so SQLite checkpoints the WAL into
    /// the database file and removes it. Later calls fail with `SQLITE_MISUSE`. Idempotent.
    public func close() {
        let idle = pool.withLock { p -> [ReaderBox] in
            p.closed = true
            defer { p.idle = [] }
            return p.idle
        }
        for box in idle { box.connection.close() }
        lock.withLock { _ in connection.close() }
    }
}
