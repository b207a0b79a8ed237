import Foundation

/// Reads a file descriptor line by line in constant memory (1 MiB chunks), handing each line
/// to a closure as a buffer that is valid only during the call.
public struct LineReader {
    let fd: Int32
    let maxLine: Int
    var buffer: [UInt8] = []
    var start = 0
    var eof = false
    /// 1-based number of the last line handed out.
    public private(set) var lineNumber = 0

    public init(fd: Int32, maxLine: Int = Limits.lineLength) {
        self.fd = fd
        self.maxLine = maxLine
        buffer.reserveCapacity(1 << 20)
    }

    /// Calls `body` for each complete line (without the newline; a final line without one is
    /// included only when `final` — the file is finished). Returns when no complete line is
    /// left. `body` returns false to stop early.
    public mutating func forEachLine(final: Bool = true, _ body: (UnsafeBufferPointer<UInt8>, Int) throws -> Bool) throws {
        while true {
            // Hand out the complete lines already buffered.
            let stop: Bool = try buffer.withUnsafeBufferPointer { buf in
                var i = start
                while let nl = Self.findNewline(buf, from: i) {
                    lineNumber += 1
                    var end = nl
                    if end > i && buf[end - 1] == 0x0D { end -= 1 }
                    if end - i > maxLine { throw LineTooLong(line: lineNumber, limit: maxLine) }
                    let keepGoing = try body(UnsafeBufferPointer(rebasing: buf[i..<end]), lineNumber)
                    i = nl + 1
                    start = i
                    if !keepGoing { return true }
                }
                if buf.count - i > maxLine { throw LineTooLong(line: lineNumber + 1, limit: maxLine) }
                return false
            }
            if stop { return }
            // Compact and read more.
            if start > 0 {
                buffer.removeFirst(start)
                start = 0
            }
            let got = try readChunk()
            if got == 0 {
                if final && !buffer.isEmpty {
                    lineNumber += 1
                    let line = buffer
                    buffer.removeAll(keepingCapacity: true)
                    _ = try line.withUnsafeBufferPointer { try body($0, lineNumber) }
                }
                return
            }
        }
    }

    static func findNewline(_ buf: UnsafeBufferPointer<UInt8>, from: Int) -> Int? {
        guard from < buf.count, let base = buf.baseAddress else { return nil }
        guard let p = memchr(base + from, 0x0A, buf.count - from) else { return nil }
        return base.distance(to: p.assumingMemoryBound(to: UInt8.self))
    }

    mutating func readChunk() throws -> Int {
        let chunk = 1 << 20
        let old = buffer.count
        buffer.append(contentsOf: repeatElement(0, count: chunk))
        let n = buffer.withUnsafeMutableBufferPointer { b -> Int in
            var r: Int
            repeat { r = Foundation.read(fd, b.baseAddress! + old, chunk) } while r < 0 && errno == EINTR
            return r
        }
        buffer.removeLast(chunk - max(n, 0))
        if n < 0 { throw TrackerError(.storage, "read failed: \(String(cString: strerror(errno)))") }
        return n
    }
}

/// A line longer than the reader's limit (hostile-input bound).
public struct LineTooLong: Error, CustomStringConvertible {
    public let line: Int
    public let limit: Int
    public var description: String { "the line is longer than the \(limit)-byte limit" }
}
