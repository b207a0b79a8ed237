import Foundation
import SQLiteKit
import TrackerCore

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
    /// Every bad line of the pending batch (all are reported, not only the first).
    var badLines: [(line: Int, message: String)] = []
    var firstPendingLine: Int?
    var lastPendingLine = 0
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
        do {
            let json: JSON
            if format == .csv {
                let text = String(decoding: line, as: UTF8.self)
                if csvHeader == nil {
                    csvHeader = try CSV.split(text).map { $0.lowercased() }
                    return
                }
                json = try CSV.object(header: csvHeader!, row: try CSV.split(text))
            } else {
                do { json = try JSON.parse(line) } catch let e as JSONError { throw TrackerError.invalid(e.description) }
            }
            try add(json, line: number)
        } catch let e as TrackerError {
            badLines.append((number, e.message))
        }
        pendingLines += 1
        if firstPendingLine == nil { firstPendingLine = number }
        lastPendingLine = number
        if pendingLines >= batchSize { flush() }
    }

    /// Adds one decoded event object (JSON Lines line or JSON array element).
    public func add(_ json: JSON, line: Int) throws {
        events.append(try LiveEvent.parse(json, now: TimeParser.nowMillis()))
        lines.append(line)
    }

    /// "1 line", "2 lines".
    static func plural(_ n: Int, _ word: String) -> String { "\(n) \(word)\(n == 1 ? "" : "s")" }

    /// Writes the pending batch, or rejects it whole if any of its lines was bad (each bad
    /// line is reported).
    public func flush() {
        defer {
            events.removeAll(keepingCapacity: true)
            lines.removeAll(keepingCapacity: true)
            badLines.removeAll()
            pendingLines = 0
            firstPendingLine = nil
        }
        let range = firstPendingLine.map { $0 == lastPendingLine ? "line \($0)" : "lines \($0)–\(lastPendingLine)" } ?? "no lines"
        let notWritten = "its batch (\(range), \(Self.plural(pendingLines, "line"))) was not written"
        if !badLines.isEmpty {
            summary.rejected += pendingLines
            for (line, message) in badLines { errors.append("\(source):\(line): \(message); \(notWritten)") }
            return
        }
        guard !events.isEmpty else { return }
        do {
            summary += try store.writeLive(events, lines: lines, source: source)
            onCommit?(summary)
        } catch {
            summary.rejected += pendingLines
            let e = Store.describe(error, path: store.path)
            for message in ((e as? TrackerError)?.message ?? "\(e)").split(separator: "\n") { errors.append("\(message); \(notWritten)") }
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
