import Testing
import TrackerCore

/// Parses `text` as JSON; unparsable text fails the calling test (and throws) instead of
/// becoming a default value an assertion might accept.
public func requireJSON(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> JSON {
    do {
        return try JSON.parse(text)
    } catch {
        Issue.record("not JSON (\(error)): «\(text.prefix(200))»", sourceLocation: sourceLocation)
        throw error
    }
}

/// `requireJSON` for raw bytes (an HTTP body).
public func requireJSON(_ bytes: [UInt8], sourceLocation: SourceLocation = #_sourceLocation) throws -> JSON {
    try requireJSON(String(decoding: bytes, as: UTF8.self), sourceLocation: sourceLocation)
}
