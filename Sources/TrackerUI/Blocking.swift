import NIOPosix

/// Runs blocking SQLite and file work on a NIO thread pool, off Swift's cooperative pool.
///
/// A bounded pool rather than a concurrent `DispatchQueue`: a writer waiting for the database
/// lock holds one of a fixed number of threads instead of making GCD start another, and queued
/// work of a cancelled request is dropped. `tracker serve` binds a pool sized for its reader
/// connections plus the writer (`withPool`); elsewhere (tests) NIO's shared blocking pool runs it.
public enum Blocking {
    /// The pool `run` submits to in this task and its children.
    @TaskLocal public static var pool: NIOThreadPool = .singleton

    /// Runs `body` on the current pool and returns its result.
    public static func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await pool.runIfActive(body)
    }

    /// Runs `operation` with a dedicated pool of `threads` threads, shut down when it returns.
    public static func withPool<T>(threads: Int, _ operation: () async throws -> T) async throws -> T {
        let pool = NIOThreadPool(numberOfThreads: threads)
        pool.start()
        let result: Result<T, any Error>
        do { result = .success(try await $pool.withValue(pool, operation: operation)) } catch { result = .failure(error) }
        try await pool.shutdownGracefully()
        return try result.get()
    }
}
