import Foundation
import Hummingbird
import NIOCore
import TrackerCore
import TrackerStore

/// Errors as MLflow's wire format: `{"error_code": ..., "message": ...}` with the canonical status.
struct APIError: Error, HTTPResponseError {
    let status: HTTPResponse.Status
    let code: String
    let message: String

    static func invalid(_ m: String) -> APIError { APIError(status: .badRequest, code: "INVALID_PARAMETER_VALUE", message: m) }
    static func notFound(_ m: String) -> APIError { APIError(status: .notFound, code: "RESOURCE_DOES_NOT_EXIST", message: m) }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        jsonResponse(.object([("error_code", .string(code)), ("message", .string(message))]), status: status)
    }

    /// Maps any error the services throw. Validation is never a 5xx (the client would retry).
    static func from(_ error: Error) -> APIError {
        if let e = error as? APIError { return e }
        if let e = error as? TrackerError {
            switch e.kind {
            case .invalidInput, .conflict: return .invalid(e.message)
            case .notFound: return .notFound(e.message)
            case .alreadyExists: return APIError(status: .badRequest, code: "RESOURCE_ALREADY_EXISTS", message: e.message)
            case .gateFailed: return APIError(status: .conflict, code: "GATE_FAILED", message: e.message)
            case .storage:
                if e.message.contains("stayed locked") {
                    return APIError(status: .serviceUnavailable, code: "TEMPORARILY_UNAVAILABLE", message: e.message)
                }
                return APIError(status: .internalServerError, code: "INTERNAL_ERROR", message: e.message)
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
        guard let s = string(key), !s.isEmpty else { throw APIError.invalid("Missing value for required parameter '\(key)'.") }
        return s
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
        return try items.map { item in
            guard let k = item["key"]?.stringValue else { throw APIError.invalid("every entry of '\(key)' needs a string 'key'") }
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
    if buffer.readableBytes == 0 { return Fields(body: .object([]), query: queryFields(request), isQuery: false) }
    let json: JSON
    do {
        json = try buffer.withUnsafeReadableBytes { try JSON.parse(UnsafeRawBufferPointer($0).bindMemory(to: UInt8.self)) }
    } catch let e as JSONError {
        throw APIError.invalid("Malformed JSON request body: \(e.description)")
    }
    guard case .object = json else { throw APIError.invalid("the request body must be a JSON object") }
    return Fields(body: json, query: queryFields(request), isQuery: false)
}

/// Runs blocking SQLite and file work on a thread pool of its own, off Swift's cooperative pool.
enum Blocking {
    static let queue = DispatchQueue(label: "tracker.blocking", qos: .userInitiated, attributes: .concurrent)

    static func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { cont in
            queue.async { cont.resume(with: Result { try body() }) }
        }
    }
}

/// Opaque page tokens: base64 of `{"offset": N}`, as the reference server uses.
enum PageToken {
    static func encode(_ offset: Int) -> String {
        Data(JSON.object([("offset", .int(Int64(offset)))]).serialized().utf8).base64EncodedString()
    }

    static func decode(_ token: String?) throws -> Int {
        guard let token, !token.isEmpty else { return 0 }
        guard let data = Data(base64Encoded: token), let json = try? JSON.parse(Array(data)), let o = json["offset"]?.int64Value, o >= 0
        else {
            throw APIError.invalid("Invalid page token")
        }
        return Int(o)
    }
}
