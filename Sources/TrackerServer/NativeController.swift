import Foundation
import Hummingbird
import NIOCore
import TrackerCore
import TrackerReport
import TrackerStore

/// tracker's own API under `/api/v1/`: live outcomes in, gap / report / deployments out, promote.
struct NativeController {
    let r: Routes
    /// Largest body `POST /api/v1/live` accepts.
    let liveLimit: Int

    func register(_ router: Router<BasicRequestContext>) {
        let store = r.store
        let liveLimit = self.liveLimit
        // The same JSON Lines (or a JSON array of the same objects) as `tracker live ingest`.
        router.post("/api/v1/live") { request, _ -> Response in
            do {
                var req = request
                let buffer = try await req.collectBody(upTo: liveLimit)
                let bytes = Array(buffer.readableBytesView)
                let result = try await Blocking.run { () -> JSON in
                    let ingester = LiveIngester(store: store, source: "request", format: .jsonl)
                    let first = bytes.first { $0 != 0x20 && $0 != 0x0A && $0 != 0x0D && $0 != 0x09 }
                    if first == UInt8(ascii: "[") {
                        let array: JSON
                        do { array = try JSON.parse(bytes) } catch let e as JSONError {
                            throw APIError.invalid("request: \(e.description)")
                        }
                        for (i, item) in (array.arrayValue ?? []).enumerated() {
                            do { try ingester.add(item, line: i + 1) } catch let e as TrackerError {
                                throw APIError.invalid("request: element \(i + 1): \(e.message); nothing was written")
                            }
                        }
                        ingester.flush()
                    } else {
                        var start = 0
                        var line = 0
                        try bytes.withUnsafeBufferPointer { buf in
                            while start < buf.count {
                                var end = start
                                while end < buf.count && buf[end] != 0x0A { end += 1 }
                                line += 1
                                try ingester.consume(line: UnsafeBufferPointer(rebasing: buf[start..<end]), number: line)
                                start = end + 1
                            }
                        }
                        ingester.flush()
                    }
                    let s = ingester.summary
                    return .object([
                        ("stored", .int(Int64(s.stored))), ("replaced", .int(Int64(s.replaced))), ("duplicate", .int(Int64(s.duplicate))),
                        ("rejected", .int(Int64(s.rejected))), ("joined", .int(Int64(s.joined))),
                        ("unattributed", .int(Int64(s.unattributed))),
                        ("errors", .array(ingester.errors.map { .string($0) })),
                    ])
                }
                let rejected = result["rejected"]?.int64Value ?? 0
                return jsonResponse(result, status: rejected > 0 ? .badRequest : .ok)
            } catch {
                throw APIError.from(error)
            }
        }
        r.add(router, .get, "/api/v1/gap") { f in
            let until = try f.string("until").map { try TimeParser.parse($0) } ?? TimeParser.nowMillis()
            let since = try f.string("since").map { try TimeParser.parse($0) } ?? until - 7 * 86_400_000
            var o = GapOptions(since: since, until: until)
            o.version = f.string("version").flatMap { Int($0) }
            if let n = f.string("min_n").flatMap({ Int($0) }) { o.minN = n }
            return try store.gap(model: try f.require("model"), env: f.string("env") ?? "production", options: o).json
        }
        r.add(router, .get, "/api/v1/deployments") { f in
            if let at = f.string("at") {
                let t = try TimeParser.parse(at)
                return .array(
                    try store.deployments(model: f.string("model"), env: f.string("env"), at: t).map {
                        .object([
                            ("model", .string($0.model)), ("env", .string($0.env)), ("version", .int(Int64($0.version))),
                            ("since", .int($0.startedAt)),
                        ])
                    })
            }
            return .array(
                try store.ledger(model: f.string("model"), env: f.string("env")).map { e in
                    .object([
                        ("id", .int(e.id)), ("model", .string(e.model)), ("env", .string(e.env)), ("kind", .string(e.kind)),
                        ("from_version", e.fromVersion.map { .int(Int64($0)) } ?? .null), ("to_version", .int(Int64(e.toVersion))),
                        ("actor", .string(e.actor)), ("reason", .string(e.reason)), ("time", .int(e.time)),
                        ("gates", .array(e.gates.map(\.json))),
                    ])
                })
        }
        router.get("/api/v1/report") { request, _ -> Response in
            do {
                let q = queryFields(request)
                let format = q["format"]?.first ?? "json"
                let text = try await Blocking.run { () -> String in
                    let cal = try ReportCalendar(zone: q["tz"]?.first ?? "UTC")
                    let period =
                        try q["week"]?.first.map { try cal.period(week: $0) }
                        ?? cal.period(week: try cal.lastCompleteWeek(now: TimeParser.nowMillis()).label)
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
                let type =
                    format == "html" ? "text/html; charset=utf-8" : format == "md" ? "text/markdown; charset=utf-8" : "application/json"
                var buffer = ByteBuffer()
                buffer.writeString(text)
                return Response(status: .ok, headers: [.contentType: type], body: .init(byteBuffer: buffer))
            } catch {
                throw APIError.from(error)
            }
        }
        // Same gates and semantics as `tracker promote`: 409 with the gate results when one fails.
        router.post("/api/v1/promote") { request, _ -> Response in
            do {
                let f = try await fields(request, limit: r.bodyLimit)
                let (outcome, body) = try await Blocking.run { () -> (PromotionOutcome, JSON) in
                    let model = try f.require("model")
                    let version = try f.require("version")
                    let env = try f.require("env")
                    let force = f.bool("force") ?? false
                    let reason = f.string("reason") ?? ""
                    if force && reason.isEmpty { throw APIError.invalid("force needs a reason") }
                    let o = try store.promote(
                        model: model, versionRef: version, env: env,
                        requires: try f.strings("require").map { try GateExpression.parse($0) },
                        mustBeat: try f.string("must_beat_current").map { try MustBeat.parse($0) }, reason: reason,
                        actor: f.string("actor") ?? "api", dryRun: f.bool("dry_run") ?? false, force: force)
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
                            ("alias", Store.alias(inVersionRef: version).map(JSON.string) ?? .null),
                            ("env", .string(env)), ("result", .string(result)),
                            ("forced", .bool(o.forced)), ("from_version", o.fromVersion.map { .int(Int64($0)) } ?? .null),
                            ("gates", .array(o.gates.map(\.json))),
                        ])
                    )
                }
                switch outcome.result {
                case .blocked, .dryRun(wouldPass: false): return jsonResponse(body, status: .conflict)
                default: return jsonResponse(body)
                }
            } catch {
                throw APIError.from(error)
            }
        }
    }
}
