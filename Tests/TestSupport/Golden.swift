import Foundation
import Testing

/// Compares `text` with the golden file `Golden/NAME` next to the calling test file;
/// `UPDATE_GOLDEN=1` rewrites it.
public func expectGolden(
    _ text: String, _ name: String, besides file: String = #filePath, sourceLocation: SourceLocation = #_sourceLocation
) throws {
    let url = URL(fileURLWithPath: file).deletingLastPathComponent().appendingPathComponent("Golden/\(name)")
    if ProcessInfo.processInfo.environment["UPDATE_GOLDEN"] == "1" {
        try Data(text.utf8).write(to: url)
        return
    }
    let expected = try String(contentsOf: url, encoding: .utf8)
    if text != expected {
        let a = text.split(separator: "\n", omittingEmptySubsequences: false)
        let b = expected.split(separator: "\n", omittingEmptySubsequences: false)
        let first = zip(a, b).enumerated().first { $0.element.0 != $0.element.1 }
        Issue.record(
            "\(name) differs from the golden file at line \((first?.offset ?? min(a.count, b.count)) + 1): got «\(first?.element.0 ?? "")» expected «\(first?.element.1 ?? "")» (UPDATE_GOLDEN=1 rewrites it)",
            sourceLocation: sourceLocation)
    }
}

/// A file next to the calling test file (fixtures are read by path from the source tree).
public func fixture(_ relativePath: String, besides file: String = #filePath) -> URL {
    URL(fileURLWithPath: file).deletingLastPathComponent().appendingPathComponent(relativePath)
}
