import ArgumentParser
import Foundation
import Logging
import TrackerCore
import TrackerServer
import TrackerStore

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve", abstract: "Run the MLflow-compatible tracking server and tracker's native API.",
        discussion: """
            Point the unmodified mlflow client at it with
            MLFLOW_TRACKING_URI=http://127.0.0.1:5000. Binds to loopback by default; any
            other address needs --token (or $TRACKER_TOKEN), and then every request
            needs "Authorization: Bearer TOKEN" (mlflow sends it when
            MLFLOW_TRACKING_TOKEN is set). SIGTERM or Ctrl-C stops it after in-flight
            requests finish.
            Example:
              tracker serve --port 5000 --db ./tracker.db
            """)
    @OptionGroup var options: DBOptions
    @OptionGroup var artifactOptions: ArtifactOptions
    @Option(help: "Address to bind.") var host = "127.0.0.1"
    @Option(help: "Port (0 picks a free one and prints it).") var port = 5000
    @Option(help: "Bearer token required on every request (default $TRACKER_TOKEN).") var token: String?
    @Option(name: .customLong("log-level"), help: "How much to log.") var logLevel: LogLevel = .info
    @Option(name: .customLong("checkpoint-interval"), help: "Seconds between WAL checkpoints into the database file (SQLite only).")
    var checkpointInterval = 60
    @Option(
        name: .customLong("pg-connections"),
        help: "PostgreSQL only: connections kept open, and requests worked on at once.")
    var pgConnections = ServerConfiguration().pgConnections

    var effectiveToken: String? {
        if let token, !token.isEmpty { return token }
        if let t = ProcessInfo.processInfo.environment["TRACKER_TOKEN"], !t.isEmpty { return t }
        return nil
    }

    func validate() throws {
        if !isLoopback(host) && effectiveToken == nil {
            throw ValidationError("binding to \(host) exposes the server beyond this machine; give --token TOKEN (or set $TRACKER_TOKEN)")
        }
        if port < 0 || port > 65535 { throw ValidationError("--port must be between 0 and 65535") }
        if checkpointInterval < 1 { throw ValidationError("--checkpoint-interval must be at least 1 second") }
        if pgConnections < 1 || pgConnections > 1000 { throw ValidationError("--pg-connections must be between 1 and 1000") }
    }

    func run() async throws {
        var config = ServerConfiguration()
        config.host = host
        config.port = port
        config.token = effectiveToken
        config.checkpointInterval = .seconds(checkpointInterval)
        config.postgres = Store.isPostgresURL(options.path)
        config.pgConnections = pgConnections
        let store = try Store.open(
            path: options.path, readers: config.readers, pgConnections: config.postgres ? pgConnections : nil)
        let artifacts = artifactOptions.store(for: options)
        var logger = Logger(label: "tracker")
        logger.logLevel = logLevel.level
        let host = self.host
        let dbPath = absolutePath(store.path)
        let app = buildApplication(store: store, artifacts: artifacts, configuration: config, logger: logger) { port in
            print("tracker serve: listening on http://\(host):\(port) (database \(dbPath), artifacts \(artifacts.root.path))")
            fflush(nil)
        }
        let checkpoints = Task { [config, logger] in
            await checkpointPeriodically(store: store, every: config.checkpointInterval, logger: logger)
        }
        let result: Result<Void, Error>
        do {
            try await runOnBlockingPool(app, configuration: config)
            result = .success(())
        } catch {
            result = .failure(error)
        }
        // After in-flight requests finished: stop checkpointing, then close the connections,
        // which checkpoints the rest of the WAL into the file and removes it.
        checkpoints.cancel()
        await checkpoints.value
        store.close()
        do { try result.get() } catch  where Self.isAddressInUse(error) {
            throw TrackerError.invalid("port \(port) on \(host) is already in use; pick another with --port (0 picks a free one)")
        }
    }

    /// Whether a failed start is bind's EADDRINUSE (NIO's IOError says it only in its text).
    static func isAddressInUse(_ error: Error) -> Bool {
        String(describing: error).contains(String(cString: strerror(EADDRINUSE)))
    }
}

/// `--log-level`: swift-log's levels, by name.
enum LogLevel: String, ExpressibleByArgument, CaseIterable {
    case trace, debug, info, notice, warning, error, critical

    var level: Logger.Level { Logger.Level(rawValue: rawValue) ?? .info }
}
