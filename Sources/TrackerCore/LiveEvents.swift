import Foundation

/// An aggregated window of one live metric: sufficient statistics over [start, end].
public struct LiveWindowInput: Sendable, Equatable {
    public var model: String
    public var env: String
    public var metric: String
    public var version: Int?
    public var start: Int64
    public var end: Int64
    public var n: Int64
    public var sum: Double
    public var sumSq: Double
    /// Σ(x − mean)², kept apart from Σx² so variances do not cancel away (see `Moments`).
    public var m2: Double

    public init(
        model: String, env: String, metric: String, version: Int?, start: Int64, end: Int64, n: Int64, sum: Double, sumSq: Double,
        m2: Double? = nil
    ) {
        (self.model, self.env, self.metric, self.version, self.start, self.end, self.n, self.sum, self.sumSq) = (
            model, env, metric, version, start, end, n, sum, sumSq
        )
        self.m2 = m2 ?? (n > 0 ? max(0, sumSq - sum * sum / Double(n)) : 0)
    }

    /// Builds sufficient statistics from a mean, a count and either a (sample) standard
    /// deviation or a sum of squares; with neither, a mean in [0, 1] is taken as a proportion
    /// of 0/1 outcomes (Σx² = Σx).
    public static func from(
        model: String, env: String, metric: String, version: Int?, start: Int64, end: Int64, mean: Double, count: Int64, std: Double?,
        sumSq: Double?
    ) throws -> LiveWindowInput {
        guard mean.isFinite else { throw TrackerError.invalid("value must be a finite number (NaN and infinities are refused)") }
        guard count >= 1 else { throw TrackerError.invalid("count must be ≥ 1 (got \(count))") }
        if end < start { throw TrackerError.invalid("window end is before its start") }
        try Limits.validateKey(metric, "metric")
        let n = Double(count)
        let sum = mean * n
        var sq: Double
        var m2: Double
        if let std {
            guard std.isFinite, std >= 0 else { throw TrackerError.invalid("std must be a finite number ≥ 0") }
            if std > 0 && count < 2 { throw TrackerError.invalid("std needs a count of at least 2") }
            m2 = count < 2 ? 0 : (n - 1) * std * std
            sq = m2 + n * mean * mean
        } else if let sumSq {
            guard sumSq.isFinite, sumSq >= 0 else { throw TrackerError.invalid("sum_sq must be a finite number ≥ 0") }
            sq = sumSq
            m2 = max(0, sumSq - sum * mean)
        } else if mean >= 0 && mean <= 1 {
            sq = sum
            m2 = n * mean * (1 - mean)
        } else {
            throw TrackerError.invalid(
                "metric '\(metric)' has mean \(mean), which is not a proportion: give std (or sum_sq) so a confidence interval can be computed"
            )
        }
        return LiveWindowInput(
            model: model, env: env, metric: metric, version: version, start: start, end: end, n: count, sum: sum, sumSq: sq, m2: m2)
    }
}

/// A prediction production made.
public struct PredictionInput: Sendable, Equatable {
    public var model: String
    public var env: String
    public var id: String
    public var time: Int64
    public var version: Int?
    public var label: String?
    public var value: Double?
    public var score: Double?

    /// A prediction as parsed (also how tests build one).
    public init(
        model: String, env: String, id: String, time: Int64, version: Int? = nil, label: String? = nil, value: Double? = nil,
        score: Double? = nil
    ) {
        (self.model, self.env, self.id, self.time, self.version) = (model, env, id, time, version)
        (self.label, self.value, self.score) = (label, value, score)
    }
}

/// The truth learned later for a prediction id.
public struct OutcomeInput: Sendable, Equatable {
    public var id: String
    public var label: String?
    public var value: Double?
    public var time: Int64

    /// An outcome as parsed (also how tests build one).
    public init(id: String, label: String? = nil, value: Double? = nil, time: Int64) {
        (self.id, self.label, self.value, self.time) = (id, label, value, time)
    }
}

/// One line of `tracker live ingest` / `POST /api/v1/live`.
public enum LiveEvent: Sendable, Equatable {
    case window(LiveWindowInput)
    case prediction(PredictionInput)
    case outcome(OutcomeInput)

    /// A label and a number from a JSON value: booleans and "true"/"false" become "1"/"0",
    /// integral numbers print without a fraction.
    static func labelAndValue(_ v: JSON, _ field: String) throws -> (String?, Double?) {
        switch v {
        case .null: return (nil, nil)
        case .bool(let b): return (b ? "1" : "0", b ? 1 : 0)
        case .int(let i): return (String(i), Double(i))
        case .double(let d):
            guard d.isFinite else { throw TrackerError.invalid("\"\(field)\" must be finite") }
            return (d == d.rounded() && abs(d) < 1e15 ? String(Int64(d)) : String(d), d)
        case .string(let s):
            switch s.lowercased() {
            case "true": return ("1", 1)
            case "false": return ("0", 0)
            default:
                if let d = Double(s), d.isFinite { return (d == d.rounded() && abs(d) < 1e15 ? String(Int64(d)) : s, d) }
                return (s, nil)
            }
        default: throw TrackerError.invalid("\"\(field)\" must be a number, a string or a boolean")
        }
    }

    /// Parses one JSON object (already decoded).
    public static func parse(_ json: JSON, now: Int64) throws -> LiveEvent {
        guard case .object = json else { throw TrackerError.invalid("expected a JSON object") }
        let type = json["type"]?.stringValue ?? "window"
        func str(_ f: String, required: Bool = true) throws -> String? {
            guard let v = json[f], v != .null else {
                if required { throw TrackerError.invalid("\(type) needs \"\(f)\"") }
                return nil
            }
            if let s = v.stringValue, !s.isEmpty { return s }
            if case .int(let i) = v { return String(i) }
            throw TrackerError.invalid("\"\(f)\" must be a non-empty string")
        }
        func time(_ f: String) throws -> Int64? {
            guard let v = json[f], v != .null else { return nil }
            if let i = v.int64Value, v.stringValue == nil { return i }
            if let s = v.stringValue { return try TimeParser.parse(s) }
            throw TrackerError.invalid("\"\(f)\" must be ISO-8601 with a zone or epoch milliseconds")
        }
        func num(_ f: String) throws -> Double? {
            guard let v = json[f], v != .null else { return nil }
            guard let d = v.doubleValue else { throw TrackerError.invalid("\"\(f)\" must be a number") }
            guard d.isFinite else { throw TrackerError.invalid("\"\(f)\" must be a finite number (NaN and infinities are refused)") }
            return d
        }
        func version() throws -> Int? {
            guard let v = json["version"], v != .null else { return nil }
            guard let i = v.int64Value, i >= 1 else { throw TrackerError.invalid("\"version\" must be a version number ≥ 1") }
            return Int(i)
        }
        switch type {
        case "window", "aggregate":
            let model = try str("model")!
            let env = try str("env")!
            let metric = try str("metric")!
            guard let value = try num("value") ?? num("mean") else { throw TrackerError.invalid("window needs \"value\" (the mean)") }
            guard let count = json["count"]?.int64Value ?? json["n"]?.int64Value else {
                throw TrackerError.invalid("window needs \"count\"")
            }
            let start = try time("start") ?? now
            let end = try time("end") ?? start
            return .window(
                try LiveWindowInput.from(
                    model: model, env: env, metric: metric, version: try version(), start: start, end: end, mean: value, count: count,
                    std: try num("std"), sumSq: try num("sum_sq")))
        case "prediction":
            let model = try str("model")!
            let env = try str("env")!
            let id = try str("id")!
            let (label, value) = try labelAndValue(json["prediction"] ?? .null, "prediction")
            if label == nil { throw TrackerError.invalid("prediction needs \"prediction\"") }
            let score = try num("score")
            if let score, score < 0 || score > 1 { throw TrackerError.invalid("\"score\" must be a probability between 0 and 1") }
            return .prediction(
                PredictionInput(
                    model: model, env: env, id: id, time: try time("time") ?? now, version: try version(), label: label, value: value,
                    score: score))
        case "outcome":
            let id = try str("id")!
            let (label, value) = try labelAndValue(json["actual"] ?? .null, "actual")
            if label == nil { throw TrackerError.invalid("outcome needs \"actual\"") }
            return .outcome(OutcomeInput(id: id, label: label, value: value, time: try time("time") ?? now))
        default:
            throw TrackerError.invalid("unknown live event type '\(type)'; use window, prediction or outcome")
        }
    }
}

/// A minimal RFC 4180 CSV line splitter (quoted fields, doubled quotes).
public enum CSV {
    public static func split(_ line: String) throws -> [String] {
        var fields: [String] = []
        var cur = ""
        var inQuotes = false
        var it = Array(line)
        if it.last == "\r" { it.removeLast() }
        var i = 0
        while i < it.count {
            let c = it[i]
            if inQuotes {
                if c == "\"" {
                    if i + 1 < it.count && it[i + 1] == "\"" {
                        cur.append("\"")
                        i += 1
                    } else {
                        inQuotes = false
                    }
                } else {
                    cur.append(c)
                }
            } else if c == "," {
                fields.append(cur)
                cur = ""
            } else if c == "\"" && cur.isEmpty {
                inQuotes = true
            } else {
                cur.append(c)
            }
            i += 1
        }
        if inQuotes { throw TrackerError.invalid("unterminated quoted field") }
        fields.append(cur)
        return fields.map { $0.trimmingCharacters(in: .whitespaces) }
    }

    /// A CSV row as a JSON object keyed by the header (empty cells omitted; numbers kept as text
    /// and read by the same rules as JSON Lines).
    public static func object(header: [String], row: [String]) throws -> JSON {
        guard row.count == header.count else {
            throw TrackerError.invalid("has \(row.count) fields; the header has \(header.count)")
        }
        var members: [(String, JSON)] = []
        for (h, v) in zip(header, row) where !v.isEmpty {
            if ["count", "n", "version"].contains(h), let i = Int64(v) {
                members.append((h, .int(i)))
            } else if ["value", "mean", "std", "sum_sq", "score"].contains(h) {
                guard let d = JSON.string(v).doubleValue ?? Double(v) else {
                    throw TrackerError.invalid("column \(h): '\(v)' is not a number")
                }
                members.append((h, .double(d)))
            } else {
                members.append((h, .string(v)))
            }
        }
        return .object(members)
    }
}
