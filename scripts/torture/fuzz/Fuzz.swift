// libFuzzer entry point over every parser that takes outside input. Built with TrackerCore's
// sources by scripts/torture/fuzz.sh; FUZZ_TARGET picks the parser. A rejection must be a
// TrackerError / JSONError with a message; anything else (a crash, a trap, another error type,
// an empty message) aborts the run.
import Foundation

let target = ProcessInfo.processInfo.environment["FUZZ_TARGET"] ?? "json"

@inline(never)
func check(_ body: () throws -> Void) {
    do {
        try body()
    } catch let e as TrackerError {
        if e.message.isEmpty { fatalError("empty error message") }
    } catch let e as JSONError {
        if e.reason.isEmpty { fatalError("empty JSON error") }
    } catch {
        fatalError("unexpected error type: \(error)")
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = UnsafeBufferPointer(start: data, count: size)
    let text = String(decoding: bytes, as: UTF8.self)
    switch target {
    case "json":
        check { _ = try JSON.parse(bytes) }
    case "events":
        check { _ = try Event.parse(line: bytes) }
    case "live":
        check {
            let json = try JSON.parse(bytes)
            _ = try LiveEvent.parse(json, now: 0)
        }
    case "csv":
        check {
            let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
            guard let header = lines.first else { return }
            let h = try CSV.split(String(header))
            for l in lines.dropFirst() { _ = try LiveEvent.parse(try CSV.object(header: h, row: try CSV.split(String(l))), now: 0) }
        }
    case "filter":
        check { _ = try RunFilter.parse(text) }
    case "order":
        check { _ = try RunOrder.parse(text) }
    case "simplefilter":
        check {
            for c in try SimpleFilter.parse(text) { _ = SimpleFilter.matches(c, "value") }
        }
    case "time":
        check { _ = try TimeParser.parse(text, now: 0) }
    case "gate":
        check {
            _ = try GateExpression.parse(text)
        }
        check { _ = try MustBeat.parse(text) }
    case "artifactpath":
        check {
            switch try ArtifactPath.parse(text) {
            case .run(_, let p), .model(_, let p):
                // Whatever is accepted must be a safe relative path (or the owner's root).
                if !p.isEmpty {
                    let v = try ArtifactPath.validateRelative(p)
                    if v.hasPrefix("/") || v.split(separator: "/").contains("..") { fatalError("escaping path accepted: \(p)") }
                }
            }
        }
    case "query":
        let q = QueryString.parse(text)
        for (k, v) in q where k.isEmpty && v.isEmpty { _ = k }
    default:
        fatalError("unknown FUZZ_TARGET \(target)")
    }
    return 0
}
