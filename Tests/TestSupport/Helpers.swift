import Foundation
import Testing

/// A fresh temporary folder holding the test's database, removed when the test ends.
public final class TempDir {
    /// The folder.
    public let url: URL
    /// The folder's path.
    public var path: String { url.path }
    /// The test's database: a path inside the folder (not created), or on PostgreSQL the URL of
    /// a fresh schema of its own.
    public var db: String { postgres?.url ?? url.appendingPathComponent("tracker.db").path }
    /// The PostgreSQL schema of a `TempDir(.postgres)`, dropped with the folder.
    private let postgres: TestSchema?

    /// Creates the folder (the database is a SQLite file in it).
    public init() {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("tracker-test-\(UUID().uuidString)")
        try! FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        postgres = nil
    }

    /// Creates the folder and, on PostgreSQL, a fresh schema for the database. Fails when
    /// PostgreSQL is required but TRACKER_TEST_POSTGRES_URL is unset or unreachable.
    public init(_ backend: TestBackend) throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("tracker-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        postgres = backend == .postgres ? try TestSchema(folder: url) : nil
    }

    /// Fills the test's database with `seed(databasePath)`. On PostgreSQL the seed is written once
    /// per process and `key` (the seed and its arguments) into a template that each test copies.
    public func seed(_ key: String, _ seed: (String) throws -> Void) throws {
        guard let postgres else { return try seed(db) }
        try postgres.useCopy(of: try SeedTemplates.database(key, seed: seed))
    }

    /// A path inside the folder.
    public func file(_ name: String) -> String { url.appendingPathComponent(name).path }

    /// Writes `text` to `name` in the folder; returns its path.
    @discardableResult
    public func write(_ name: String, _ text: String) -> String {
        let p = file(name)
        try! Data(text.utf8).write(to: URL(fileURLWithPath: p))
        return p
    }

    deinit { try? FileManager.default.removeItem(at: url) }
}

/// What a finished `tracker` process left.
public struct CLIResult {
    /// The exit status.
    public let status: Int32
    /// Everything written to stdout.
    public let stdout: String
    /// Everything written to stderr.
    public let stderr: String
}

/// The built `tracker` binary: `$TRACKER_BIN`, else next to the test executable.
public let trackerBinary: String = {
    if let env = ProcessInfo.processInfo.environment["TRACKER_BIN"] { return env }
    let exe = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
    var dir = exe.deletingLastPathComponent()
    for _ in 0..<4 {
        let candidate = dir.appendingPathComponent("tracker")
        if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate.path }
        dir = dir.deletingLastPathComponent()
    }
    return URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent(".build/debug/tracker").path
}()

/// Runs the real `tracker` with `args`; `env` is added to this process's environment. With a
/// test's PostgreSQL database in `args` it runs in that test's folder, so the artifacts folder
/// (`./tracker-artifacts` for a PostgreSQL URL) is the test's own.
@discardableResult
public func tracker(_ args: [String], env: [String: String] = [:], stdin: String? = nil, cwd: String? = nil) throws -> CLIResult {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: trackerBinary)
    p.arguments = args
    var environment = ProcessInfo.processInfo.environment
    environment.removeValue(forKey: "TRACKER_DB")
    environment.removeValue(forKey: "TRACKER_EVENTS")
    environment.removeValue(forKey: "TRACKER_RUN_ID")
    for (k, v) in env { environment[k] = v }
    p.environment = environment
    if let folder = cwd.map({ URL(fileURLWithPath: $0) }) ?? TestSchema.folder(named: args + env.values) { p.currentDirectoryURL = folder }
    let out = Pipe()
    let err = Pipe()
    p.standardOutput = out
    p.standardError = err
    let input = Pipe()
    p.standardInput = input
    try p.run()
    if let stdin { input.fileHandleForWriting.write(Data(stdin.utf8)) }
    try input.fileHandleForWriting.close()
    // Read both pipes to the end before waiting, so a chatty process cannot block.
    let group = DispatchGroup()
    nonisolated(unsafe) var errData = Data()
    group.enter()
    DispatchQueue.global().async {
        errData = err.fileHandleForReading.readDataToEndOfFile()
        group.leave()
    }
    let outData = out.fileHandleForReading.readDataToEndOfFile()
    group.wait()
    p.waitUntilExit()
    return CLIResult(
        status: p.terminationStatus, stdout: String(decoding: outData, as: UTF8.self), stderr: String(decoding: errData, as: UTF8.self))
}

/// Runs `tracker` and requires exit 0, returning stdout.
@discardableResult
public func ok(_ args: [String], env: [String: String] = [:], stdin: String? = nil, sourceLocation: SourceLocation = #_sourceLocation) throws
    -> String
{
    let r = try tracker(args, env: env, stdin: stdin)
    #expect(r.status == 0, "tracker \(args.joined(separator: " ")) exited \(r.status): \(r.stderr)", sourceLocation: sourceLocation)
    return r.stdout
}

/// Starts `count` tracker processes with `args` at the same moment and waits for them all.
/// Returns one line per process that failed: its exit status or signal and its stderr (kept in
/// `dir`), so a race that loses says what it was.
public func trackersTogether(_ args: [String], count: Int, stderrIn dir: URL) throws -> [String] {
    let errors = (0..<count).map { dir.appendingPathComponent("stderr-\($0)") }
    let procs = try (0..<count).map { i -> Process in
        let p = Process()
        p.executableURL = URL(fileURLWithPath: trackerBinary)
        p.arguments = args
        if let folder = TestSchema.folder(named: args) { p.currentDirectoryURL = folder }
        p.standardOutput = FileHandle.nullDevice
        _ = FileManager.default.createFile(atPath: errors[i].path, contents: nil)
        p.standardError = try FileHandle(forWritingTo: errors[i])
        return p
    }
    for p in procs { try p.run() }
    for p in procs { p.waitUntilExit() }
    return procs.indices.filter { procs[$0].terminationStatus != 0 }.map { i in
        "process \(i): \(procs[i].terminationReason == .uncaughtSignal ? "signal" : "exit") \(procs[i].terminationStatus): "
            + ((try? String(contentsOf: errors[i], encoding: .utf8)) ?? "")
    }
}
