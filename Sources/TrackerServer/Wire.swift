import Foundation
import Hummingbird
import NIOCore
import TrackerCore
import TrackerStore
import TrackerUI

/// Errors as MLflow's wire format: `{"error_code": ..., "message": ...}` with the canonical status.
struct APIError: Error, HTTPResponseError {
    let status: HTTPResponse.Status
    let code: String
    let message: String

    static func invalid(_ m: String) -> APIError { APIError(status: .badRequest, code: "INVALID_PARAMETER_VALUE", message: m) }
    /// A request-schema failure, worded as the reference server words it.
    static func schema(_ m: String) -> APIError { .invalid(m + " See the API docs for more information about request parameters.") }
    static func notFound(_ m: String) -> APIError { APIError(status: .notFound, code: "RESOURCE_DOES_NOT_EXIST", message: m) }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        jsonResponse(.object([("error_code", .string(code)), ("message", .string(message))]), status: status)
    }

    /// Maps any error the services throw — the one place that picks the HTTP status, MLflow's
    /// error code and the reference's wording, from the error's kind and subject (never its text).
    /// Validation is never a 5xx (the client would retry); a locked database is a 503 (it should).
    static func from(_ error: Error) -> APIError {
        if let e = error as? APIError { return e }
        if Store.isUnreachable(error) {
            // Retryable, like a locked database; the details (host, port, driver) stay in the log.
            return APIError(status: .serviceUnavailable, code: "TEMPORARILY_UNAVAILABLE", message: "the database is unreachable; retry")
        }
        if let e = error as? TrackerError {
            let message = MLflowWords.message(e)
            switch e.kind {
            case .invalidInput, .conflict: return .invalid(message)
            case .notFound: return .notFound(message)
            case .alreadyExists: return APIError(status: .badRequest, code: "RESOURCE_ALREADY_EXISTS", message: message)
            case .gateFailed: return APIError(status: .conflict, code: "GATE_FAILED", message: message)
            case .busy: return APIError(status: .serviceUnavailable, code: "TEMPORARILY_UNAVAILABLE", message: message)
            case .storage: return APIError(status: .internalServerError, code: "INTERNAL_ERROR", message: message)
            }
        }
        if error is NIOTooManyBytesError {
            return APIError(status: .badRequest, code: "INVALID_PARAMETER_VALUE", message: "the request body is larger than this endpoint's limit")
        }
        if let e = error as? HTTPError {
            if e.status == .contentTooLarge {
                return APIError(
                    status: .badRequest, code: "INVALID_PARAMETER_VALUE", message: "the request body is larger than this endpoint's limit")
            }
            return APIError(
                status: e.status, code: e.status == .notFound ? "ENDPOINT_NOT_FOUND" : "BAD_REQUEST", message: e.body ?? "\(e.status)")
        }
        return APIError(status: .internalServerError, code: "INTERNAL_ERROR", message: "\(error)")
    }
}

/// A JSON response.
func jsonResponse(_ value: JSON, status: HTTPResponse.Status = .ok) -> Response {
    var buffer = ByteBuffer()
    buffer.writeString(value.serialized())
    return Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: buffer))
}

/// An empty success: `{}`.
let emptyObject = jsonResponse(.object([]))

/// Request fields, from the query string (GET) or the JSON body (everything else), read with
/// MLflow's conventions: int64 as numbers or decimal strings, enums by name or number.
struct Fields: Sendable {
    let body: JSON
    let query: [String: [String]]
    let isQuery: Bool

    func raw(_ key: String) -> JSON? {
        if isQuery { return query[key]?.first.map { .string($0) } }
        let v = body[key]
        return v == .null ? nil : v
    }

    func string(_ key: String) -> String? {
        guard let v = raw(key) else { return nil }
        switch v {
        case .string(let s): return s
        case .int(let i): return String(i)
        case .double(let d): return d == d.rounded() ? String(Int64(d)) : String(d)
        case .bool(let b): return b ? "true" : "false"
        default: return nil
        }
    }

    func require(_ key: String) throws -> String {
        guard let s = string(key), !s.isEmpty else { throw APIError.schema("Missing value for required parameter '\(key)'.") }
        return s
    }

    /// Checks the request against an endpoint's schema the way the reference server does, field
    /// by field in order: a required field missing (or empty), then a value of the wrong JSON type.
    /// Runs before any lookup, so a malformed request never reaches the store.
    func validate(_ schema: [(String, [Check])]) throws {
        for (key, checks) in schema {
            var value = isQuery ? query[key].map { v -> JSON in v.count == 1 ? .string(v[0]) : .array(v.map { .string($0) }) } : raw(key)
            if key == "run_id" && value == nil { value = isQuery ? query["run_uuid"]?.first.map { .string($0) } : raw("run_uuid") }
            if value == nil && !checks.contains(.required) { continue }
            // An absent field parses fine as protobuf, so the reference skips its type checks.
            for check in checks where value != nil || check == .required {
                if let message = check.failure(key, value, isQuery: isQuery) { throw APIError.schema(message) }
            }
        }
    }

    func int64(_ key: String) throws -> Int64? {
        guard let v = raw(key) else { return nil }
        if let i = v.int64Value { return i }
        throw APIError.invalid("Invalid value for parameter '\(key)': expected an integer.")
    }

    func bool(_ key: String) -> Bool? {
        guard let v = raw(key) else { return nil }
        switch v {
        case .bool(let b): return b
        case .string(let s): return s.lowercased() == "true"
        case .int(let i): return i != 0
        default: return nil
        }
    }

    func strings(_ key: String) -> [String] {
        if isQuery { return query[key] ?? [] }
        guard let a = body[key]?.arrayValue else { return string(key).map { [$0] } ?? [] }
        return a.compactMap { $0.stringValue ?? $0.int64Value.map(String.init) }
    }

    func keyValues(_ key: String) throws -> [KeyValue] {
        guard let a = raw(key) else { return [] }
        guard let items = a.arrayValue else { throw APIError.invalid("'\(key)' must be a list of {key, value}") }
        return try items.enumerated().map { i, item in
            guard let k = item["key"]?.stringValue, !k.isEmpty else {
                throw APIError.schema("Missing value for required parameter '\(key)[\(i)].key'.")
            }
            let v = item["value"]
            let value: String
            switch v {
            case .some(.string(let s)): value = s
            case .some(.int(let i)): value = String(i)
            case .some(.double(let d)): value = String(d)
            case .some(.bool(let b)): value = b ? "true" : "false"
            case .none, .some(.null): value = ""
            default: throw APIError.invalid("'\(key)' entry '\(k)' needs a string 'value'")
            }
            return KeyValue(k, value)
        }
    }
}

/// Percent-decoded query parameters, repeated keys kept.
func queryFields(_ request: Request) -> [String: [String]] {
    request.uri.query.map(QueryString.parse) ?? [:]
}

/// Reads the request's fields: query string for GET, JSON body otherwise (bounded by `limit`).
func fields(_ request: Request, limit: Int) async throws -> Fields {
    if request.method == .get {
        return Fields(body: .object([]), query: queryFields(request), isQuery: true)
    }
    var req = request
    let buffer = try await req.collectBody(upTo: limit)
    // The reference reads a body that is not a JSON object as an empty request (its schema then
    // names the first missing field), so a malformed body answers like an empty one.
    let json = try? buffer.withUnsafeReadableBytes { try JSON.parse(UnsafeRawBufferPointer($0).bindMemory(to: UInt8.self)) }
    guard let json, case .object = json else { return Fields(body: .object([]), query: queryFields(request), isQuery: false) }
    return Fields(body: json, query: queryFields(request), isQuery: false)
}

/// SQLite and file work runs on TrackerUI's pool, which `tracker serve` sizes and shuts down.
typealias Blocking = TrackerUI.Blocking

/// Opaque page tokens: base64 of `{"offset": N}`, as the reference server uses.
enum PageToken {
    static func encode(_ offset: Int) -> String {
        Data(JSON.object([("offset", .int(Int64(offset)))]).serialized().utf8).base64EncodedString()
    }

    static func decode(_ token: String?) throws -> Int {
        guard let token, !token.isEmpty else { return 0 }
        guard let data = Data(base64Encoded: token) else { throw APIError.invalid("Invalid page token, could not base64-decode") }
        guard let json = try? JSON.parse(Array(data)), let o = json["offset"]?.int64Value, o >= 0 else {
            throw APIError.invalid("Invalid page token, decoded value=\(String(decoding: data, as: UTF8.self))")
        }
        return Int(o)
    }
}

// MARK: - Request schemas

/// One check of a request field, as in the reference server's handler schemas.
enum Check: Equatable, Sendable {
    case required, string, int, float, bool, array, stringItems
    /// An integer no larger than this (`max_results` limits).
    case atMost(Int64)
    /// A protobuf enum: its name (a string) or one of these numbers.
    case enumeration(ClosedRange<Int64>)

    /// The reference's message when `value` fails this check, or nil when it passes.
    func failure(_ key: String, _ value: JSON?, isQuery: Bool) -> String? {
        let ok: Bool
        switch self {
        case .required:
            if value == nil || value == .string("") { return "Missing value for required parameter '\(key)'." }
            return nil
        case .string: ok = value?.stringValue != nil
        case .int:
            switch value {
            case .some(.int), .some(.double): ok = true
            case .some(.string(let s)): ok = Int64(s.trimmingCharacters(in: .whitespaces)) != nil
            default: ok = false
            }
        case .float:
            switch value {
            case .some(.int), .some(.double): ok = true
            case .some(.string(let s)): ok = Double(s) != nil || value?.doubleValue != nil
            default: ok = false
            }
        case .bool:
            if isQuery, case .string(let s) = value {
                ok = s == "true" || s == "false"
            } else {
                ok = value.map { if case .bool = $0 { true } else { false } } ?? false
            }
        case .array: ok = value?.arrayValue != nil || (isQuery && value?.stringValue != nil)
        case .stringItems: ok = value?.arrayValue?.allSatisfy { $0.stringValue != nil } ?? true
        case .atMost(let limit): ok = (value?.int64Value ?? 0) <= limit
        case .enumeration(let numbers):
            if case .some(.int(let n)) = value { ok = numbers.contains(n) } else { ok = value?.stringValue != nil }
        }
        if ok { return nil }
        return
            "Invalid value \(PythonJSON.dumps(value ?? .null)) for parameter '\(key)' supplied:  Hint: Value was of type '\(PythonJSON.typeName(value ?? .null))'."
    }
}

/// Python's `json.dumps(value, sort_keys=True, separators=(",", ":"))` and type names: the
/// reference quotes a rejected value that way in its messages.
enum PythonJSON {
    static func dumps(_ v: JSON) -> String {
        switch v {
        case .object(let members):
            return "{" + members.sorted { $0.0 < $1.0 }.map { dumps(.string($0.0)) + ":" + dumps($0.1) }.joined(separator: ",") + "}"
        case .array(let items): return "[" + items.map(dumps).joined(separator: ",") + "]"
        case .double(let d) where d == d.rounded() && abs(d) < 1e16: return String(format: "%.1f", d)
        case .string(let s):
            var out = "\""
            for u in s.unicodeScalars {
                switch u {
                case "\"": out += "\\\""
                case "\\": out += "\\\\"
                case "\n": out += "\\n"
                case _ where u.value < 0x20 || u.value > 0x7e: out += String(format: "\\u%04x", u.value)
                default: out.unicodeScalars.append(u)
                }
            }
            return out + "\""
        default: return v.serialized()
        }
    }

    static func typeName(_ v: JSON) -> String {
        switch v {
        case .null: return "NoneType"
        case .bool: return "bool"
        case .int: return "int"
        case .double: return "float"
        case .string: return "str"
        case .array: return "list"
        case .object: return "dict"
        }
    }
}

/// The reference server's words for errors the store words for the CLI, chosen by what the
/// error is about; errors without a subject keep the store's message.
enum MLflowWords {
    static func message(_ e: TrackerError) -> String {
        switch e.subject {
        case .experiment(let id): return "No Experiment with id=\(id) exists"
        case .experimentName(let name): return "Experiment(name=\(name)) already exists."
        case .run(let id): return "Run with id=\(id) not found"
        case .runTag(let key, let run): return "No tag with name: \(key) in run with id \(run)"
        case .model(let name): return "Registered Model with name=\(name) not found"
        case .version(let model, let version): return "Model Version (name=\(model), version=\(version)) not found"
        case .runNotActive(let run, let state): return "The run \(run) must be in the 'active' state. Current state is \(state)."
        case .tooLong(let field, let limit): return "'\(field)' exceeds the maximum length of \(limit) characters"
        case .missing(let field): return "Missing value for required parameter '\(field)'."
        case .filter(let words): return words
        case .badOperator(let key, let op):
            return "Invalid comparison operator for \(key): '\(op)'. Expected one of ('=', '!=', 'LIKE', 'ILIKE', 'IN', 'NOT IN')."
        case .badName(let name):
            return "Invalid value \(PythonJSON.dumps(.string(name))) for parameter 'name' supplied: Names may only contain alphanumerics, "
                + "underscores (_), dashes (-), periods (.), spaces ( ), colon(:) and slashes (/)."
        case .nameResolves(let name): return nameResolves(name, parameter: "name")
        case .paramChanged(let key, let old, let new, let run):
            return "Changing param values is not allowed. Param with key='\(key)' was already logged with value='\(old)' "
                + "for run ID='\(run)'. Attempted logging new value '\(new)'."
        case nil: return e.message
        }
    }

    /// The reference's refusal of a name that a file system would read as another one.
    static func nameResolves(_ name: String, parameter: String) -> String {
        "Invalid value \(PythonJSON.dumps(.string(name))) for parameter '\(parameter)' supplied: Names may be treated as files in "
            + "certain cases, and must not resolve to other names when treated as such. This name would resolve to '\(normpath(name))'"
    }

    /// log-batch words a changed param as a list of every change (tracker stops at the first).
    static func batchParamChanged(_ e: TrackerError) -> String? {
        guard case .paramChanged(let key, let old, let new, let run) = e.subject else { return nil }
        return "Changing param values is not allowed. Params were already logged="
            + "'[{'key': '\(key)', 'old_value': '\(old)', 'new_value': '\(new)'}]' for run ID='\(run)'."
    }

    /// Python's `posixpath.normpath`, which the reference quotes.
    static func normpath(_ path: String) -> String {
        if path.isEmpty { return "." }
        let slashes = path.hasPrefix("//") && !path.hasPrefix("///") ? 2 : (path.hasPrefix("/") ? 1 : 0)
        var parts: [Substring] = []
        for part in path.split(separator: "/") where part != "." {
            if part != ".." || (slashes == 0 && parts.isEmpty) || parts.last == ".." {
                parts.append(part)
            } else if !parts.isEmpty {
                parts.removeLast()
            }
        }
        let out = String(repeating: "/", count: slashes) + parts.joined(separator: "/")
        return out.isEmpty ? "." : out
    }
}

/// Serves every `/api/2.0/…` route under `/ajax-api/2.0/…` too (MLflow's web UI and some tools
/// call that prefix): the path is rewritten before the router looks it up.
struct AjaxPrefix<Inner: HTTPResponderBuilder>: HTTPResponderBuilder where Inner.Responder.Context == BasicRequestContext {
    let inner: Inner

    func buildResponder() -> CallbackResponder<BasicRequestContext> {
        let responder = inner.buildResponder()
        return CallbackResponder { request, context in
            guard let path = request.head.path, path.hasPrefix("/ajax-api/") else { return try await responder.respond(to: request, context: context) }
            var head = request.head
            head.path = "/api/" + path.dropFirst("/ajax-api/".count)
            return try await responder.respond(to: Request(head: head, body: request.body), context: context)
        }
    }
}
