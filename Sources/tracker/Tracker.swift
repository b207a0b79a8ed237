import ArgumentParser
import Foundation
import TrackerCore
import TrackerReport
import TrackerStore

/// The tracker's version, printed by `tracker --version`.
let trackerVersion = "0.1.0"

struct Tracker: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tracker",
        abstract: "Record ML experiments, promotions and production outcomes in one SQLite file.",
        version: trackerVersion,
        subcommands: [
            InitCommand.self, DBCommand.self, ExperimentCommand.self, RunCommand.self, LogCommand.self, MetricCommand.self,
            IngestCommand.self, ModelCommand.self, GateCommand.self, PromoteCommand.self, RollbackCommand.self,
            DeploymentsCommand.self, LiveCommand.self, GapCommand.self, ReportCommand.self, ServeCommand.self,
        ]
    )
}

/// `--db PATH`, else `$TRACKER_DB`, else `./tracker.db`.
struct DBOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("Database file (default: $TRACKER_DB, else ./tracker.db).", valueName: "path"))
    var db: String?

    var path: String { DBOptions.resolve(db) }

    /// `--db`, else `$TRACKER_DB`, else `tracker.db`.
    static func resolve(_ given: String?) -> String {
        if let given { return given }
        if let env = ProcessInfo.processInfo.environment["TRACKER_DB"], !env.isEmpty { return env }
        return "tracker.db"
    }

    /// The database path for messages, from the raw arguments (used when an error escapes a command).
    static func pathFromArguments() -> String {
        let args = CommandLine.arguments
        if let i = args.firstIndex(of: "--db"), i + 1 < args.count { return args[i + 1] }
        if let a = args.first(where: { $0.hasPrefix("--db=") }) { return String(a.dropFirst(5)) }
        return resolve(nil)
    }

    /// Opens the store for ordinary use (creates a fresh database on first use).
    func open(_ mode: Store.OpenMode = .use) throws -> Store {
        try Store.open(path: path, mode: mode)
    }
}

/// Writes a line to standard error.
func printError(_ message: String) {
    FileHandle.standardError.write(Data((message + "\n").utf8))
}

/// Runs the command tree and maps errors to exit codes: 0 ok, 1 error, 2 usage,
/// 3 gate failed, 4 alert fired (see README).
@main
enum Main {
    static func main() async {
        do {
            var command = try Tracker.parseAsRoot()
            if var async = command as? AsyncParsableCommand {
                try await async.run()
            } else {
                try command.run()
            }
            fflush(nil)
        } catch let error as TrackerError {
            fflush(nil)
            printError("error: \(error.message)")
            exit(error.exitCode)
        } catch let error as ExitCode {
            fflush(nil)
            exit(error.rawValue)
        } catch {
            fflush(nil)
            let code = Tracker.exitCode(for: error)
            if code == .success {
                print(Tracker.fullMessage(for: error))
                exit(0)
            }
            if let described = Store.describe(error, path: DBOptions.pathFromArguments()) as? TrackerError {
                printError("error: \(described.message)")
                exit(1)
            }
            printError(Tracker.fullMessage(for: error))
            // ArgumentParser uses 64 (EX_USAGE) for usage errors; tracker documents 2.
            exit(code == .validationFailure ? 2 : code.rawValue)
        }
    }
}

/// Formats stored UTC milliseconds for tables.
func formatTime(_ ms: Int64) -> String { TimeParser.format(ms) }
