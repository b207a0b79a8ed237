/// Paths below the artifact proxy root, as the MLflow client sends them:
/// `<exp>/<run_id>/artifacts/<rel>` or `<exp>/models/<model_id>/artifacts/<rel>`. Parsing is
/// pure so it can be fuzzed; a path that could escape (`..`, `.`, absolute, backslash, NUL,
/// empty segments) is refused.
public enum ArtifactPath: Sendable, Equatable {
    case run(id: String, path: String)
    case model(id: String, path: String)

    /// Parses an already percent-decoded path. Throws `invalid` for unsafe paths and `notFound`
    /// for shapes that name no run or model.
    public static func parse(_ decoded: String) throws -> ArtifactPath {
        if decoded.hasPrefix("/") || decoded.contains("\\") || decoded.contains("\0") {
            throw TrackerError.invalid("Invalid artifact path '\(decoded)': absolute paths are not allowed")
        }
        let parts = decoded.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        if parts.contains(where: { $0 == ".." || $0 == "." }) {
            throw TrackerError.invalid("Invalid artifact path '\(decoded)': '..' and '.' segments are not allowed")
        }
        let trimmed = parts.last == "" ? Array(parts.dropLast()) : parts
        if trimmed.contains("") { throw TrackerError.invalid("Invalid artifact path '\(decoded)': empty segments are not allowed") }
        if trimmed.count >= 3, Int64(trimmed[0]) != nil, trimmed[1] != "models", trimmed[2] == "artifacts" {
            return .run(id: trimmed[1], path: trimmed.dropFirst(3).joined(separator: "/"))
        }
        if trimmed.count >= 4, Int64(trimmed[0]) != nil, trimmed[1] == "models", trimmed[3] == "artifacts" {
            return .model(id: trimmed[2], path: trimmed.dropFirst(4).joined(separator: "/"))
        }
        throw TrackerError.notFound("No artifact location '\(decoded)'; paths look like <experiment>/<run_id>/artifacts/<file>")
    }

    /// A path inside a run or model: relative, no `..`, `.` or empty parts, no NUL or backslash.
    public static func validateRelative(_ path: String) throws -> String {
        var p = path
        while p.hasPrefix("./") { p.removeFirst(2) }
        if p.isEmpty || p.hasPrefix("/") || p.contains("\0") || p.contains("\\") {
            throw TrackerError.invalid("artifact path '\(path)' must be a relative path such as 'model/model.pkl'")
        }
        let parts = p.split(separator: "/", omittingEmptySubsequences: false)
        if parts.contains(where: { $0 == ".." || $0 == "." || $0.isEmpty }) {
            throw TrackerError.invalid("artifact path '\(path)' must not contain '..', '.' or empty parts")
        }
        return p
    }
}
