import Foundation
import SQLiteKit
import TrackerCore

/// Counts reported at the end of a live ingestion.
public struct LiveIngestSummary: Sendable, Equatable {
    /// New windows, predictions and outcomes written.
    public var stored = 0
    /// Windows that replaced an earlier copy of the same window.
    public var replaced = 0
    /// Predictions and outcomes whose id was already known (ignored).
    public var duplicate = 0
    /// Lines in rejected batches.
    public var rejected = 0
    /// Stored windows and predictions that no deployment covers (kept, reported as unattributed).
    public var unattributed = 0
    /// Outcomes joined to their prediction in this ingestion (either order of arrival).
    public var joined = 0

    public init() {}

    public static func += (a: inout LiveIngestSummary, b: LiveIngestSummary) {
        a.stored += b.stored
        a.replaced += b.replaced
        a.duplicate += b.duplicate
        a.rejected += b.rejected
        a.unattributed += b.unattributed
        a.joined += b.joined
    }
}

extension Store {
    /// Deployment intervals of one (model, env), for attribution.
    struct Attribution {
        let intervals: [(start: Int64, end: Int64?, version: Int)]

        func version(at t: Int64) -> Int? {
            // Few intervals per (model, env): a linear scan from the newest is fast enough.
            for i in intervals.reversed() where i.start <= t && (i.end == nil || i.end! > t) { return i.version }
            return nil
        }
    }

    static func attribution(_ c: Connection, modelID: Int64, env: String) throws -> Attribution {
        Attribution(
            intervals: try c.query(
                "SELECT d.started_at, d.ended_at, v.version FROM deployments d JOIN model_versions v ON v.id = d.version_id WHERE d.model_id = ? AND d.env = ? ORDER BY d.started_at, d.id",
                [.integer(modelID), .text(env)]
            ) { ($0.int64(0), $0.optionalInt64(1), $0.int(2)) })
    }

    /// Writes one batch of live events atomically. Throws (writing nothing) on the first
    /// event that cannot be stored, with `lines[i]` naming its line.
    public func writeLive(_ events: [LiveEvent], lines: [Int], source: String) throws -> LiveIngestSummary {
        try db.write { c in
            var s = LiveIngestSummary()
            var models: [String: Int64] = [:]
            var attributions: [String: Attribution] = [:]
            func modelID(_ name: String, _ line: Int) throws -> Int64 {
                if let id = models[name] { return id }
                guard let id = try c.queryOne("SELECT id FROM registered_models WHERE name = ?", [.text(name)], { $0.int64(0) }) else {
                    let e = try Store.modelNotFound(c, name)
                    throw TrackerError.invalid("\(source):\(line): \(e.message); register it first (tracker model register \(name))")
                }
                models[name] = id
                return id
            }
            func attributed(_ mid: Int64, _ env: String, _ t: Int64) throws -> Int? {
                let key = "\(mid)/\(env)"
                if attributions[key] == nil { attributions[key] = try Store.attribution(c, modelID: mid, env: env) }
                return attributions[key]!.version(at: t)
            }
            let now = TimeParser.nowMillis()
            for (event, line) in zip(events, lines) {
                switch event {
                case .window(let w):
                    let mid = try modelID(w.model, line)
                    if let v = w.version {
                        guard
                            try c.queryOne(
                                "SELECT 1 FROM model_versions WHERE model_id = ? AND version = ?", [.integer(mid), .integer(Int64(v))],
                                { _ in true }) != nil
                        else { throw TrackerError.invalid("\(source):\(line): model '\(w.model)' has no version \(v)") }
                    }
                    let version = try w.version ?? attributed(mid, w.env, w.start)
                    if version == nil { s.unattributed += 1 }
                    let existed =
                        try c.queryOne(
                            "SELECT 1 FROM live_windows WHERE model_id = ? AND env = ? AND given_version = ? AND metric = ? AND start_time = ? AND end_time = ?",
                            [
                                .integer(mid), .text(w.env), .integer(Int64(w.version ?? 0)), .text(w.metric), .integer(w.start),
                                .integer(w.end),
                            ], { _ in true }) != nil
                    try c.run(
                        """
                        INSERT INTO live_windows (model_id, env, given_version, version, metric, start_time, end_time, n, sum, sum_sq, received_at)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                        ON CONFLICT (model_id, env, given_version, metric, start_time, end_time)
                        DO UPDATE SET version = excluded.version, n = excluded.n, sum = excluded.sum, sum_sq = excluded.sum_sq, received_at = excluded.received_at
                        """,
                        [
                            .integer(mid), .text(w.env), .integer(Int64(w.version ?? 0)), version.map { .integer(Int64($0)) } ?? .null,
                            .text(w.metric),
                            .integer(w.start), .integer(w.end), .integer(w.n), .real(w.sum), .real(w.sumSq), .integer(now),
                        ])
                    if existed { s.replaced += 1 } else { s.stored += 1 }
                case .prediction(let p):
                    let mid = try modelID(p.model, line)
                    let version = try p.version ?? attributed(mid, p.env, p.time)
                    let ins = try c.cached(
                        "INSERT OR IGNORE INTO predictions (model_id, env, time, id, version, label, value, score) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
                    )
                    try ins.bind([
                        .integer(mid), .text(p.env), .integer(p.time), .text(p.id), version.map { .integer(Int64($0)) } ?? .null,
                        p.label.map { .text($0) } ?? .null,
                        p.value.map { .real($0) } ?? .null, p.score.map { .real($0) } ?? .null,
                    ])
                    try ins.run()
                    if c.changes == 0 {
                        s.duplicate += 1
                        continue
                    }
                    s.stored += 1
                    if version == nil { s.unattributed += 1 }
                    // An outcome may have arrived first.
                    if let o = try c.queryOne(
                        "SELECT label, value, time FROM outcomes WHERE id = ?", [.text(p.id)],
                        { ($0.optionalString(0), $0.optionalDouble(1), $0.int64(2)) })
                    {
                        try c.run(
                            "UPDATE predictions SET actual_label = ?, actual_value = ?, outcome_time = ? WHERE id = ?",
                            [o.0.map { .text($0) } ?? .null, o.1.map { .real($0) } ?? .null, .integer(o.2), .text(p.id)])
                        s.joined += 1
                    }
                case .outcome(let o):
                    let ins = try c.cached("INSERT OR IGNORE INTO outcomes (id, label, value, time, received_at) VALUES (?, ?, ?, ?, ?)")
                    try ins.bind([
                        .text(o.id), o.label.map { .text($0) } ?? .null, o.value.map { .real($0) } ?? .null, .integer(o.time),
                        .integer(now),
                    ])
                    try ins.run()
                    if c.changes == 0 {
                        s.duplicate += 1
                        continue
                    }
                    s.stored += 1
                    try c.run(
                        "UPDATE predictions SET actual_label = ?, actual_value = ?, outcome_time = ? WHERE id = ?",
                        [o.label.map { .text($0) } ?? .null, o.value.map { .real($0) } ?? .null, .integer(o.time), .text(o.id)])
                    if c.changes > 0 { s.joined += 1 }
                }
            }
            return s
        }
    }

    /// The positive label used for precision, recall, F1, AUC and log loss (default "1").
    public func positiveLabel(model: String) throws -> String {
        try db.read { c in
            let m = try Store.modelRow(c, model)
            return try c.queryOne("SELECT positive_label FROM live_settings WHERE model_id = ?", [.integer(m.id)]) { $0.string(0) } ?? "1"
        }
    }

    /// Sets the positive label of a model.
    public func setPositiveLabel(model: String, label: String) throws {
        try db.write { c in
            let m = try Store.modelRow(c, model)
            try c.run("INSERT OR REPLACE INTO live_settings (model_id, positive_label) VALUES (?, ?)", [.integer(m.id), .text(label)])
        }
    }
}

/// Reads live events (JSON Lines, a JSON array, or CSV with a header) and writes them in atomic
/// batches. A bad line rejects its batch; the next batch is still tried, and every rejection
/// is reported.
public final class LiveIngester {
    let store: Store
    let source: String
    let batchSize: Int
    public private(set) var summary = LiveIngestSummary()
    public private(set) var errors: [String] = []
    /// Called after each batch is durably committed, with the totals so far.
    public var onCommit: ((LiveIngestSummary) -> Void)?
    var events: [LiveEvent] = []
    var lines: [Int] = []
    var badLine: (Int, String)?
    var pendingLines = 0
    var csvHeader: [String]?
    var format: Format?

    public enum Format: Sendable { case jsonl, csv }

    public init(store: Store, source: String, batchSize: Int = 10_000, format: Format? = nil) {
        self.store = store
        self.source = source
        self.batchSize = batchSize
        self.format = format
    }

    /// Adds one line.
    public func consume(line: UnsafeBufferPointer<UInt8>, number: Int) throws {
        if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { return }
        if format == nil { format = line.first(where: { $0 != 0x20 }) == UInt8(ascii: "{") ? .jsonl : .csv }
        pendingLines += 1
        if badLine == nil {
            do {
                let json: JSON
                if format == .csv {
                    let text = String(decoding: line, as: UTF8.self)
                    if csvHeader == nil {
                        csvHeader = try CSV.split(text).map { $0.lowercased() }
                        pendingLines -= 1
                        return
                    }
                    json = try CSV.object(header: csvHeader!, row: try CSV.split(text))
                } else {
                    do { json = try JSON.parse(line) } catch let e as JSONError { throw TrackerError.invalid(e.description) }
                }
                try add(json, line: number)
            } catch let e as TrackerError {
                badLine = (number, e.message)
            }
        }
        if pendingLines >= batchSize { flush() }
    }

    /// Adds one decoded event object (JSON Lines line or JSON array element).
    public func add(_ json: JSON, line: Int) throws {
        events.append(try LiveEvent.parse(json, now: TimeParser.nowMillis()))
        lines.append(line)
    }

    /// Writes the pending batch, or rejects it whole if one of its lines was bad.
    public func flush() {
        defer {
            events.removeAll(keepingCapacity: true)
            lines.removeAll(keepingCapacity: true)
            badLine = nil
            pendingLines = 0
        }
        if let (line, message) = badLine {
            summary.rejected += pendingLines
            errors.append("\(source):\(line): \(message); its batch of \(pendingLines) lines was not written")
            return
        }
        guard !events.isEmpty else { return }
        do {
            summary += try store.writeLive(events, lines: lines, source: source)
            onCommit?(summary)
        } catch {
            summary.rejected += pendingLines
            let e = Store.describe(error, path: store.path)
            errors.append("\((e as? TrackerError)?.message ?? "\(e)"); its batch of \(pendingLines) lines was not written")
        }
    }

    /// Reads every line of `fd`, then writes what is left.
    public func ingest(fd: Int32) throws -> LiveIngestSummary {
        var reader = LineReader(fd: fd)
        do {
            try reader.forEachLine { line, n in
                try consume(line: line, number: n)
                return true
            }
        } catch let e as LineTooLong {
            // Write what came before, then report the line; nothing after it is read.
            flush()
            throw TrackerError.invalid("\(source):\(e.line): \(e.description); \(summary.stored + summary.replaced) events before it were stored")
        }
        flush()
        return summary
    }
}
