import Foundation
import Hummingbird
import NIOCore
import TrackerCore
import TrackerReport
import TrackerStore

/// tracker's own API under `/api/v1/`: live outcomes in, gap / report / deployments out, promote.
/// One handler per route; `addRoutes(to:)` is the route table.
struct NativeController: Sendable {
    let r: Routes
    /// Largest body `POST /api/v1/live` accepts.
    let liveLimit: Int
    var store: Store { r.store }

    func addRoutes(to router: Router<BasicRequestContext>) {
        router.post("/api/v1/live", use: live)
        r.add(router, .get, "/api/v1/gap", gap)
        r.add(router, .get, "/api/v1/deployments", deployments)
        router.get("/api/v1/report", use: report)
        router.post("/api/v1/promote", use: promote)
    }

    /// `POST /api/v1/live`: the same JSON Lines (or a JSON array of the same objects) as
    /// `tracker live ingest`; 400 when a line was rejected.
    @Sendable func live(_ request: Request, context: BasicRequestContext) async throws -> Response {
        do {
            var req = request
            let bytes = Array(try await req.collectBody(upTo: liveLimit).readableBytesView)
            let store = self.store
            let result = try await Blocking.run { try Self.ingest(bytes, into: LiveIngester(store: store, source: "request", format: .jsonl)) }
            return jsonResponse(result, status: (result["rejected"]?.int64Value ?? 0) > 0 ? .badRequest : .ok)
        } catch {
            throw APIError.from(error)
        }
    }

    /// Feeds a request body to the ingester (a JSON array is all or nothing) and answers its summary.
    static func ingest(_ bytes: [UInt8], into ingester: LiveIngester) throws -> JSON {
        let first = bytes.first { $0 != 0x20 && $0 != 0x0A && $0 != 0x0D && $0 != 0x09 }
        if first == UInt8(ascii: "[") {
            let array: JSON
            do { array = try JSON.parse(bytes) } catch let e as JSONError { throw APIError.invalid("request: \(e.description)") }
            for (i, item) in (array.arrayValue ?? []).enumerated() {
                do { try ingester.add(item, line: i + 1) } catch let e as TrackerError {
                    throw APIError.invalid("request: element \(i + 1): \(e.message); nothing was written")
                }
            }
        } else {
            try bytes.withUnsafeBufferPointer { buf in
                var (start, line) = (0, 0)
                while start < buf.count {
                    var end = start
                    while end < buf.count && buf[end] != 0x0A { end += 1 }
                    line += 1
                    try ingester.consume(line: UnsafeBufferPointer(rebasing: buf[start..<end]), number: line)
                    start = end + 1
                }
            }
        }
        ingester.flush()
        let s = ingester.summary
        return .object([
            ("stored", .int(Int64(s.stored))), ("replaced", .int(Int64(s.replaced))), ("duplicate", .int(Int64(s.duplicate))),
            ("rejected", .int(Int64(s.rejected))), ("joined", .int(Int64(s.joined))), ("unattributed", .int(Int64(s.unattributed))),
            ("errors", .array(ingester.errors.map { .string($0) })),
        ])
    }

    /// `GET /api/v1/gap?model=&env=&since=&until=&version=&min_n=`.
    @Sendable func gap(_ f: Fields) throws -> JSON {
        let until = try f.string("until").map { try TimeParser.parse($0) } ?? TimeParser.nowMillis()
        let since = try f.string("since").map { try TimeParser.parse($0) } ?? until - 7 * 86_400_000
        var o = GapOptions(since: since, until: until)
        o.version = f.string("version").flatMap { Int($0) }
        if let n = f.string("min_n").flatMap({ Int($0) }) { o.minN = n }
        return try store.gap(model: try f.require("model"), env: f.string("env") ?? "production", options: o).json
    }

    /// `GET /api/v1/deployments?model=&env=[&at=]`: the ledger, or what was live at a time.
    @Sendable func deployments(_ f: Fields) throws -> JSON {
        if let at = f.string("at") {
            let t = try TimeParser.parse(at)
            return .array(
                try store.deployments.deployments(model: f.string("model"), env: f.string("env"), at: t).map {
                    .object([
                        ("model", .string($0.model)), ("env", .string($0.env)), ("version", .int(Int64($0.version))), ("since", .int($0.startedAt)),
                    ])
                })
        }
        return .array(
            try store.deployments.ledger(model: f.string("model"), env: f.string("env")).map { e in
                .object([
                    ("id", .int(e.id)), ("model", .string(e.model)), ("env", .string(e.env)), ("kind", .string(e.kind)),
                    ("from_version", e.fromVersion.map { .int(Int64($0)) } ?? .null), ("to_version", .int(Int64(e.toVersion))),
                    ("actor", .string(e.actor)), ("reason", .string(e.reason)), ("time", .int(e.time)), ("gates", .array(e.gates.map(\.json))),
                ])
            })
    }

    /// `GET /api/v1/report?week=&tz=&env=&model=&format=md|html|json`.
    @Sendable func report(_ request: Request, context: BasicRequestContext) async throws -> Response {
        do {
            let q = queryFields(request)
            let format = q["format"]?.first ?? "json"
            let store = self.store
            let text = try await Blocking.run { try Self.renderReport(store, query: q, format: format) }
            let type = format == "html" ? "text/html; charset=utf-8" : format == "md" ? "text/markdown; charset=utf-8" : "application/json"
            var buffer = ByteBuffer()
            buffer.writeString(text)
            return Response(status: .ok, headers: [.contentType: type], body: .init(byteBuffer: buffer))
        } catch {
            throw APIError.from(error)
        }
    }

    static func renderReport(_ store: Store, query q: [String: [String]], format: String) throws -> String {
        let cal = try ReportCalendar(zone: q["tz"]?.first ?? "UTC")
        let period =
            try q["week"]?.first.map { try cal.period(week: $0) } ?? cal.period(week: try cal.lastCompleteWeek(now: TimeParser.nowMillis()).label)
        var o = ReportOptions(period: period)
        o.env = q["env"]?.first ?? "production"
        o.models = q["model"] ?? []
        let report = try store.weeklyReport(o, calendar: cal)
        switch format {
        case "md": return MarkdownRenderer.render(report)
        case "html": return HTMLRenderer.render(report)
        case "json": return JSONRenderer.render(report)
        default: throw APIError.invalid("format must be md, html or json")
        }
    }

    /// `POST /api/v1/promote`: the same gates and semantics as `tracker promote`; 409 with the
    /// gate results when one fails.
    @Sendable func promote(_ request: Request, context: BasicRequestContext) async throws -> Response {
        do {
            let f = try await fields(request, limit: r.bodyLimit)
            let store = self.store
            let (outcome, body) = try await Blocking.run { try Self.promote(store, f) }
            switch outcome.result {
            case .blocked, .dryRun(wouldPass: false): return jsonResponse(body, status: .conflict)
            default: return jsonResponse(body)
            }
        } catch {
            throw APIError.from(error)
        }
    }

    static func promote(_ store: Store, _ f: Fields) throws -> (PromotionOutcome, JSON) {
        let model = try f.require("model")
        let version = try f.require("version")
        let env = try f.require("env")
        let force = f.bool("force") ?? false
        let reason = f.string("reason") ?? ""
        if force && reason.isEmpty { throw APIError.invalid("force needs a reason") }
        let o = try store.deployments.promote(
            model: model, versionRef: version, env: env, requires: try f.strings("require").map { try GateExpression.parse($0) },
            mustBeat: try f.string("must_beat_current").map { try MustBeat.parse($0) }, reason: reason, actor: f.string("actor") ?? "api",
            dryRun: f.bool("dry_run") ?? false, force: force)
        let result: String
        switch o.result {
        case .promoted: result = "promoted"
        case .blocked: result = "blocked"
        case .alreadyLive: result = "already_live"
        case .dryRun(let ok): result = ok ? "dry_run_pass" : "dry_run_fail"
        }
        return (
            o,
            .object([
                // `version` is the number, like `from_version`; `alias` echoes an alias given instead.
                ("model", .string(model)), ("version", .int(Int64(o.version))),
                ("alias", RegistryRepository.alias(inVersionRef: version).map(JSON.string) ?? .null), ("env", .string(env)), ("result", .string(result)),
                ("forced", .bool(o.forced)), ("from_version", o.fromVersion.map { .int(Int64($0)) } ?? .null),
                ("gates", .array(o.gates.map(\.json))),
            ])
        )
    }
}
