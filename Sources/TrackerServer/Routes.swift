import Foundation
import Hummingbird
import TrackerCore
import TrackerStore

/// Registers JSON routes: fields in, a JSON value out, the work on the blocking pool.
struct Routes: Sendable {
    let store: Store
    let artifacts: ArtifactStore
    let bodyLimit: Int

    func add(
        _ router: Router<BasicRequestContext>, _ method: HTTPRequest.Method, _ path: String, limit: Int? = nil,
        schema: [(String, [Check])] = [], _ handler: @escaping @Sendable (Fields) throws -> JSON
    ) {
        add(router, method, path, limit: limit, schema: schema) { f, _ in try handler(f) }
    }

    /// A route whose handler also reads the path's parameters (`logged-models/:id`).
    func add(
        _ router: Router<BasicRequestContext>, _ method: HTTPRequest.Method, _ path: String, limit: Int? = nil,
        schema: [(String, [Check])] = [], _ handler: @escaping @Sendable (Fields, Parameters) throws -> JSON
    ) {
        let bodyLimit = limit ?? self.bodyLimit
        router.on(RouterPath(path), method: method) { request, context -> Response in
            do {
                let f = try await fields(request, limit: bodyLimit)
                try f.validate(schema)
                let parameters = context.parameters
                return jsonResponse(try await Blocking.run { try handler(f, parameters) })
            } catch {
                throw APIError.from(error)
            }
        }
    }
}

/// Reads an MLflow metric value: a number, or "NaN" / "Infinity" / "-Infinity".
func metricValue(_ v: JSON?) throws -> Double {
    guard let v, let d = v.doubleValue else { throw APIError.invalid("Missing value for required parameter 'value'.") }
    return d
}

/// Run status by name or protobuf number.
func runStatus(_ s: String) throws -> RunStatus {
    if let n = Int(s) {
        let byNumber: [Int: RunStatus] = [1: .running, 2: .scheduled, 3: .finished, 4: .failed, 5: .killed]
        guard let st = byNumber[n] else { throw APIError.invalid("Invalid run status \(s)") }
        return st
    }
    return try RunStatus(parsing: s)
}

/// View type by name or number.
func viewType(_ s: String?) -> ViewType {
    switch s?.uppercased() {
    case "DELETED_ONLY", "2": return .deletedOnly
    case "ALL", "3": return .all
    default: return .activeOnly
    }
}
