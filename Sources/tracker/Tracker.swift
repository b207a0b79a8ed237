import ArgumentParser
import Foundation
import Synchronization
import TrackerCore
import TrackerReport
import TrackerStore

/// The tracker's version, printed by `tracker --version`.
let trackerVersion = "0.1.0"

struct Tracker: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tracker",
        abstract: "Record ML experiments, promotions and production outcomes in one SQLite file (or PostgreSQL).",
        version: trackerVersion,
        subcommands: [
            InitCommand.self, DBCommand.self, ExperimentCommand.self, RunCommand.self, LogCommand.self, MetricCommand.self,
            IngestCommand.self, ModelCommand.self, GateCommand.self, PromoteCommand.self, RollbackCommand.self,
            DeploymentsCommand.self, LiveCommand.self, GapCommand.self, ReportCommand.self, ServeCommand.self,
        ]
    )

    /// `tracker --db PATH <subcommand>`, as `git -C DIR <subcommand>`: every subcommand's own
    /// `DBOptions` takes this value (ArgumentParser hands a decoded option group down the tree).
    @OptionGroup var options: DBOptions
}

/// `--db PATH` (or a postgres:// URL), else `$TRACKER_DB`, else `./tracker.db`.
struct DBOptions: ParsableArguments {
    @Option(
        name: .long,
        help: ArgumentHelp(
            "Database: a SQLite file or a postgres:// URL (default: $TRACKER_DB, else ./tracker.db).", valueName: "path"))
    var db: String?

    var path: String { DBOptions.resolve(db) }

    /// `--db`, else `$TRACKER_DB`, else `tracker.db`.
    static func resolve(_ given: String?) -> String {
        if let given { return given }
        if let env = ProcessInfo.processInfo.environment["TRACKER_DB"], !env.isEmpty { return env }
        return "tracker.db"
    }

    /// The database path `command` uses, for messages about errors that escaped it: its
    /// `DBOptions` group, found the way ArgumentParser finds its own properties (a `Mirror`).
    static func path(of command: ParsableCommand?) -> String {
        let group = command.flatMap { Mirror(reflecting: $0).children.lazy.compactMap { $0.value as? OptionGroup<DBOptions> }.first }
        return group?.wrappedValue.path ?? resolve(nil)
    }

    /// Opens the store for ordinary use (creates a fresh database on first use). `Main` closes
    /// it when the command ends.
    func open(_ mode: Store.OpenMode = .use) throws -> Store {
        OpenStores.keep(try Store.open(path: path, mode: mode))
    }
}

/// Every store a command opened, closed by `Main` before the process exits: closing the last
/// connection makes SQLite checkpoint the WAL, so the `.db` file alone holds the data (a `cp`
/// of it is a complete database).
enum OpenStores {
    private static let stores = Mutex<[Store]>([])

    /// Remembers `store` for `closeAll()` and returns it.
    static func keep(_ store: Store) -> Store {
        stores.withLock { $0.append(store) }
        return store
    }

    /// Closes every store opened so far.
    static func closeAll() {
        for store in stores.withLock({ s in
            defer { s = [] }
            return s
        }) { store.close() }
    }
}

/// Writes a line to standard error, after what is already printed to standard output (so a
/// message follows the table it is about, even when both are piped).
func printError(_ message: String) {
    fflush(nil)
    FileHandle.standardError.write(Data((message + "\n").utf8))
}

/// Runs the command tree and maps errors to exit codes: 0 ok, 1 error, 2 usage,
/// 3 gate failed, 4 alert fired (see README).
@main
enum Main {
    static func main() async {
        let status = await runCommand()
        // Close before exiting: the last connection's close checkpoints the WAL into the file.
        OpenStores.closeAll()
        fflush(nil)
        exit(status)
    }

    /// Parses and runs the command; prints what went wrong and returns the exit status.
    static func runCommand() async -> Int32 {
        var parsed: ParsableCommand?
        do {
            var command = try Tracker.parseAsRoot()
            parsed = command
            if var async = command as? AsyncParsableCommand {
                try await async.run()
            } else {
                try command.run()
            }
            return 0
        } catch let error as TrackerError {
            fflush(nil)
            printError("error: \(error.message)")
            return error.exitCode
        } catch let error as ExitCode {
            return error.rawValue
        } catch let error as ValidationError where parsed != nil {
            // A usage problem found in run(): the same message and usage as validate() gives.
            fflush(nil)
            printError(usageMessage(error.message, command: type(of: parsed!)))
            return 2
        } catch {
            fflush(nil)
            let code = Tracker.exitCode(for: error)
            if code == .success {
                print(Tracker.fullMessage(for: error))
                return 0
            }
            if let described = Store.describe(error, path: DBOptions.path(of: parsed)) as? TrackerError {
                printError("error: \(described.message)")
                return 1
            }
            printError(Tracker.fullMessage(for: error))
            // ArgumentParser uses 64 (EX_USAGE) for usage errors; tracker documents 2.
            return code == .validationFailure ? 2 : code.rawValue
        }
    }

    /// `Error: …`, the subcommand's usage line and where its help is, as ArgumentParser prints them.
    static func usageMessage(_ message: String, command: ParsableCommand.Type) -> String {
        let usage = Tracker.usageString(for: command)
        let name = usage.split(separator: " ").prefix { !$0.hasPrefix("<") && !$0.hasPrefix("[") && !$0.hasPrefix("-") }
        return "Error: \(message)\nUsage: \(usage)\n  See '\(name.joined(separator: " ")) --help' for more information."
    }
}

/// Formats stored UTC milliseconds for tables.
func formatTime(_ ms: Int64) -> String { TimeParser.format(ms) }

/// Runs `parse` on a command-line value and turns a bad-value error into a usage error, so
/// `validate()` rejects it with exit 2 and the subcommand's usage.
func usage<T>(_ parse: () throws -> T) throws -> T {
    do { return try parse() } catch let e as TrackerError { throw ValidationError(e.message) }
}

/// Parses an optional time option in `validate()`: a bad time is a usage error naming the option.
func parseTime(_ flag: String, _ value: String?) throws -> Int64? {
    guard let value else { return nil }
    do { return try TimeParser.parse(value) } catch let e as TrackerError { throw ValidationError("\(flag): \(e.message)") }
}
