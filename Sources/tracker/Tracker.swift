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
            printError(subcommandUsage(for: error, arguments: Array(CommandLine.arguments.dropFirst())) ?? Tracker.fullMessage(for: error))
            // ArgumentParser uses 64 (EX_USAGE) for usage errors; tracker documents 2.
            return code == .validationFailure ? 2 : code.rawValue
        }
    }

    /// `Error: …`, the subcommand's usage line and where its help is, as ArgumentParser prints them.
    static func usageMessage(_ message: String, command: ParsableCommand.Type) -> String {
        "Error: \(message)\n" + usageLines(command)
    }

    /// The subcommand's usage line and where its help is.
    static func usageLines(_ command: ParsableCommand.Type) -> String {
        let usage = Tracker.usageString(for: command)
        let name = usage.split(separator: " ").prefix { !$0.hasPrefix("<") && !$0.hasPrefix("[") && !$0.hasPrefix("-") }
        return "Usage: \(usage)\n  See '\(name.joined(separator: " ")) --help' for more information."
    }

    /// A usage error ArgumentParser attributed to the root command, with the usage of the
    /// subcommand the arguments name instead (nil for any other error).
    ///
    /// Why: the root declares `--db` (so it may stand before the subcommand), and ArgumentParser
    /// parses the root's options across the whole command line before it picks a subcommand,
    /// so `tracker run list --db` fails while the command stack is still just `tracker`. Its
    /// parse error (`CommandError`) keeps that stack internal, and an option that tolerates a
    /// missing value (`defaultAsFlag`) would show `--db [<path>]` in every usage line. So, on
    /// this error path only, the arguments are parsed again without the `--db` that lacks its
    /// value: that names the subcommand (or gives its own usage error, whose usage is kept).
    static func subcommandUsage(for error: Error, arguments: [String]) -> String? {
        let full = Tracker.fullMessage(for: error)
        guard Tracker.exitCode(for: error) == .validationFailure, full.contains("'--db <path>'"),
            full.contains("Usage: \(Tracker.usageString(for: Tracker.self))\n"), let usageStart = full.range(of: "\nUsage: ")
        else { return nil }
        let usage: String
        do {
            let command = try Tracker.parseAsRoot(withoutValuelessDB(arguments))
            guard type(of: command) != Tracker.self else { return nil }
            usage = usageLines(type(of: command))
        } catch {
            let other = Tracker.fullMessage(for: error)
            guard let start = other.range(of: "\nUsage: "), !other.contains("Usage: \(Tracker.usageString(for: Tracker.self))\n") else { return nil }
            usage = String(other[other.index(after: start.lowerBound)...])
        }
        return full[..<usageStart.lowerBound] + "\n" + usage
    }

    /// `arguments` without each `--db` that has no value (last, empty, or before another option
    /// or `--`), as ArgumentParser reads a missing value.
    static func withoutValuelessDB(_ arguments: [String]) -> [String] {
        var out: [String] = []
        var i = 0
        while i < arguments.count {
            let a = arguments[i]
            if a == "--" { return out + arguments[i...] }
            let next = i + 1 < arguments.count ? arguments[i + 1] : nil
            let valueless = a == "--db=" || (a == "--db" && (next.map { $0.hasPrefix("-") && $0 != "-" } ?? true))
            if !valueless { out.append(a) }
            if a == "--db" && !valueless {
                out.append(next!)
                i += 1
            }
            i += 1
        }
        return out
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
