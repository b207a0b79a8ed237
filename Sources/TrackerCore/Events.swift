import Foundation

/// One line of the JSON Lines event format shared by `tracker ingest`, `tracker run exec`
/// (`$TRACKER_EVENTS`) and the Python helper. See README "Event format".
public enum Event: Sendable, Equatable {
    case metric(key: String, value: Double, step: Int64, time: Int64?)
    case param(key: String, value: String)
    case tag(key: String, value: String)
    case artifact(path: String, name: String?)
    case runStart(experiment: String?, name: String?, tags: [(String, String)])
    case runEnd(status: RunStatus, time: Int64?)

    public static func == (a: Event, b: Event) -> Bool {
        switch (a, b) {
        case (.metric(let k1, let v1, let s1, let t1), .metric(let k2, let v2, let s2, let t2)):
            return k1 == k2 && (v1 == v2 || (v1.isNaN && v2.isNaN)) && s1 == s2 && t1 == t2
        case (.param(let k1, let v1), .param(let k2, let v2)), (.tag(let k1, let v1), .tag(let k2, let v2)):
            return k1 == k2 && v1 == v2
        case (.artifact(let p1, let n1), .artifact(let p2, let n2)): return p1 == p2 && n1 == n2
        case (.runStart(let e1, let n1, let t1), .runStart(let e2, let n2, let t2)):
            return e1 == e2 && n1 == n2 && t1.count == t2.count && zip(t1, t2).allSatisfy { $0 == $1 }
        case (.runEnd(let s1, let t1), .runEnd(let s2, let t2)): return s1 == s2 && t1 == t2
        default: return false
        }
    }

    /// Parses one line. Errors say what is wrong without the file and line (the caller adds them).
    public static func parse<C: Collection>(line: C) throws -> Event where C.Element == UInt8 {
        let json: JSON
        do {
            json = try JSON.parse(line)
        } catch let e as JSONError {
            throw TrackerError.invalid(e.description)
        }
        guard case .object = json else { throw TrackerError.invalid("expected a JSON object, one per line") }
        guard let type = json["type"]?.stringValue else {
            throw TrackerError.invalid("missing \"type\" (one of metric, param, tag, artifact, run_start, run_end)")
        }
        let f = EventFields(json: json, type: type)
        switch type {
        case "metric": return try metric(f)
        case "param":
            let (key, value) = try f.keyValue("param key", Limits.validateParamValue)
            return .param(key: key, value: value)
        case "tag":
            let (key, value) = try f.keyValue("tag key", Limits.validateTagValue)
            return .tag(key: key, value: value)
        case "artifact":
            return .artifact(path: try f.string("path"), name: json["name"]?.stringValue ?? json["as"]?.stringValue)
        case "run_start": return try runStart(f)
        case "run_end":
            let status = try json["status"]?.stringValue.map { try RunStatus(parsing: $0) } ?? .finished
            return .runEnd(status: status, time: try f.optionalTime("time"))
        default:
            throw TrackerError.invalid(
                "unknown event type '\(type)'; use one of metric, param, tag, artifact, run_start, run_end")
        }
    }

    static func metric(_ f: EventFields) throws -> Event {
        let key = try f.string("key")
        try Limits.validateKey(key, "metric key")
        guard let raw = f.json["value"] else { throw TrackerError.invalid("metric event needs \"value\"") }
        guard let value = raw.doubleValue else {
            throw TrackerError.invalid("metric \"value\" must be a number or \"NaN\", \"Infinity\", \"-Infinity\"")
        }
        return .metric(key: key, value: value, step: try f.optionalInt("step") ?? 0, time: try f.optionalTime("time"))
    }

    static func runStart(_ f: EventFields) throws -> Event {
        var tags: [(String, String)] = []
        if let t = f.json["tags"] {
            guard let members = t.objectValue else { throw TrackerError.invalid("\"tags\" must be an object of strings") }
            for (k, v) in members {
                try Limits.validateKey(k, "tag key")
                guard let s = v.stringValue else { throw TrackerError.invalid("tag '\(k)' must be a string") }
                tags.append((k, s))
            }
        }
        return .runStart(experiment: f.json["experiment"]?.stringValue, name: f.json["name"]?.stringValue, tags: tags)
    }
}

/// The fields of one event object, read with the event format's coercions and error wording.
struct EventFields {
    let json: JSON
    let type: String

    func string(_ field: String) throws -> String {
        guard let v = json[field] else { throw TrackerError.invalid("\(type) event needs \"\(field)\"") }
        switch v {
        case .string(let s): return s
        // Params are strings, but a number or bool given by a script is taken as its text.
        case .int(let i): return String(i)
        case .double(let d): return JSON.plain(d)
        case .bool(let b): return b ? "true" : "false"
        default: throw TrackerError.invalid("\"\(field)\" must be a string")
        }
    }

    /// A validated `key` and `value` (params and tags).
    func keyValue(_ what: String, _ validateValue: (String, String) throws -> Void) throws -> (String, String) {
        let key = try string("key")
        try Limits.validateKey(key, what)
        let value = try string("value")
        try validateValue(key, value)
        return (key, value)
    }

    func optionalInt(_ field: String) throws -> Int64? {
        guard let v = json[field], v != .null else { return nil }
        guard let i = v.int64Value else { throw TrackerError.invalid("\"\(field)\" must be an integer") }
        return i
    }

    func optionalTime(_ field: String) throws -> Int64? {
        guard let v = json[field], v != .null else { return nil }
        if let i = v.int64Value { return i }
        if case .string(let s) = v { return try TimeParser.parse(s) }
        throw TrackerError.invalid("\"\(field)\" must be epoch milliseconds or an ISO-8601 time")
    }
}
