import Foundation
import Hummingbird
import Logging
import NIOCore
import TrackerCore
import TrackerStore
import TrackerUI

/// How `tracker serve` runs.
public struct ServerConfiguration: Sendable {
    public var host = "127.0.0.1"
    public var port = 5000
    /// When set, every request needs `Authorization: Bearer TOKEN`.
    public var token: String?
    /// Largest JSON body (log-batch has MLflow's own 1 MB limit).
    public var jsonLimit = 16 << 20
    /// Largest artifact upload.
    public var uploadLimit = 4 << 30
    /// Largest `POST /api/v1/live` body.
    public var liveLimit = 64 << 20
    /// Reader connections for concurrent reads.
    public var readers = 4
    /// Whether the database is PostgreSQL: store work then waits on the network, not the CPU.
    public var postgres = false
    /// PostgreSQL: connections kept pooled and threads running store work (one per connection).
    public var pgConnections = 16
    /// How often the WAL is checkpointed into the database file while the server runs.
    public var checkpointInterval: Duration = .seconds(60)

    public init() {}
}

/// Refuses requests without the bearer token (constant-time compare).
struct BearerAuthMiddleware<Context: RequestContext>: RouterMiddleware {
    let token: String

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let header = request.headers[.authorization] ?? ""
        let given = Array(header.utf8)
        let expected = Array("Bearer \(token)".utf8)
        var diff = given.count ^ expected.count
        for i in 0..<min(given.count, expected.count) { diff |= Int(given[i] ^ expected[i]) }
        if diff != 0 {
            // Browsers on the web UI's pages sign in with a session cookie instead (TrackerUI.UIAuth).
            if UIAuth.isUIPath(request.uri.path) {
                if let refusal = UIAuth.refusal(request, token: token) { return refusal }
                return try await next(request, context)
            }
            return jsonResponse(
                .object([
                    ("error_code", .string("UNAUTHENTICATED")),
                    ("message", .string("missing or wrong bearer token; send Authorization: Bearer TOKEN")),
                ]),
                status: .unauthorized)
        }
        return try await next(request, context)
    }
}

/// One log line per request: method, path, status, milliseconds.
struct RequestLogMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = DispatchTime.now().uptimeNanoseconds
        func log(_ status: Int) {
            let ms = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6
            context.logger.info("\(request.method) \(request.uri.path) \(status) \(String(format: "%.2f", ms))ms")
        }
        do {
            var response = try await next(request, context)
            // Unknown routes answer in MLflow's error format, so the client reports ENDPOINT_NOT_FOUND.
            if response.status == .notFound && response.headers[.contentType] == nil {
                response = jsonResponse(
                    .object([
                        ("error_code", .string("ENDPOINT_NOT_FOUND")),
                        ("message", .string("no endpoint \(request.method) \(request.uri.path)")),
                    ]),
                    status: .notFound)
            }
            log(response.status.code)
            return response
        } catch {
            let e = APIError.from(error)
            log(e.status.code)
            throw e
        }
    }
}

/// Builds the router: health, MLflow tracking + artifacts + logged models + registry, native API.
public func buildRouter(store: Store, artifacts: ArtifactStore, configuration c: ServerConfiguration) -> Router<BasicRequestContext> {
    let router = Router()
    router.add(middleware: RequestLogMiddleware())
    if let token = c.token { router.add(middleware: BearerAuthMiddleware(token: token)) }
    // A load balancer's probe: 200 only when the database answers, so a server cut off from it
    // is taken out of rotation.
    router.get("/health") { _, _ -> Response in
        do {
            try await Blocking.run { try store.ping() }
            return Response(status: .ok, body: .init(byteBuffer: ByteBuffer(string: "OK")))
        } catch {
            return Response(status: .serviceUnavailable, body: .init(byteBuffer: ByteBuffer(string: "the database is unreachable")))
        }
    }
    let routes = Routes(store: store, artifacts: artifacts, bodyLimit: c.jsonLimit)
    ExperimentsController(r: routes).addRoutes(to: router)
    RunsController(r: routes).addRoutes(to: router)
    ArtifactsController(r: routes, maxUpload: c.uploadLimit).addRoutes(to: router)
    LoggedModelsController(r: routes).addRoutes(to: router)
    RegisteredModelsController(r: routes).addRoutes(to: router)
    ModelVersionsController(r: routes).addRoutes(to: router)
    NativeController(r: routes, liveLimit: c.liveLimit).addRoutes(to: router)
    WebUI(store: store, artifacts: artifacts, token: c.token).register(router)
    return router
}

/// Builds the application for `tracker serve`.
public func buildApplication(
    store: Store, artifacts: ArtifactStore, configuration c: ServerConfiguration, logger: Logger,
    onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
) -> some ApplicationProtocol {
    Application(
        router: AjaxPrefix(inner: buildRouter(store: store, artifacts: artifacts, configuration: c)),
        configuration: .init(address: .hostname(c.host, port: c.port), serverName: "tracker"),
        onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? c.port) },
        logger: logger)
}

/// Runs `app` until it stops, its store work on a thread pool of its own (`blockingThreads`
/// threads), shut down after the last request finished.
public func runOnBlockingPool(_ app: some ApplicationProtocol, configuration c: ServerConfiguration) async throws {
    try await Blocking.withPool(threads: blockingThreads(c)) { try await app.runService() }
}

/// Threads for store work. SQLite: at most one per connection that can work at once (the
/// readers and the writer) and one per core, at least two. More only wait: on 2 cores, 5
/// threads halved log-metric throughput under wrk (writers queueing for the lock), 2 matched
/// the GCD queue. PostgreSQL: one per pooled connection, since each thread mostly waits on a
/// round trip (2 threads capped a server at ~1000 runs/get a second on 2 cores).
func blockingThreads(_ c: ServerConfiguration) -> Int {
    if c.postgres { return max(1, c.pgConnections) }
    return max(2, min(c.readers + 1, System.coreCount))
}

/// Checkpoints the WAL into the database file every `interval` until the task is cancelled, so
/// the `.db` file stays close to current while the server runs (`PRAGMA wal_checkpoint(PASSIVE)`:
/// it never waits for readers or writers). Closing the store on shutdown does the final one.
public func checkpointPeriodically(store: Store, every interval: Duration, logger: Logger) async {
    while !Task.isCancelled {
        do { try await Task.sleep(for: interval) } catch { return }
        do {
            try await Blocking.run { try store.checkpoint() }
        } catch is CancellationError {
            return  // cancelled while queued on the pool: the server is stopping
        } catch {
            logger.warning("WAL checkpoint failed (retrying in \(interval)): \(error)")
        }
    }
}

/// Whether an address is loopback (binding elsewhere needs a token).
public func isLoopback(_ host: String) -> Bool {
    host == "localhost" || host == "::1" || host.hasPrefix("127.")
}
