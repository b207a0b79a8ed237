import Logging
import NIOCore
import PostgresNIO
import SQLiteKit

/// Rows in PostgreSQL's COPY text format (one line per row, tab between columns): what
/// `PGConnection.copy(into:columns:rows:)` sends. See
/// <https://www.postgresql.org/docs/15/sql-copy.html#id-1.9.3.55.9.2>.
public struct PGCopyRows: Sendable {
    var buffer: ByteBuffer
    /// How many rows were appended.
    public private(set) var count = 0

    /// An empty set of rows; `capacity` bytes are reserved.
    public init(capacity: Int = 1 << 16) {
        buffer = ByteBufferAllocator().buffer(capacity: capacity)
    }

    /// Appends one row: `values` in the order of the COPY's columns.
    public mutating func append<C: Collection>(_ values: C) where C.Element == SQLiteValue {
        var first = true
        for value in values {
            if !first { buffer.writeInteger(UInt8(ascii: "\t")) }
            first = false
            write(value)
        }
        buffer.writeInteger(UInt8(ascii: "\n"))
        count += 1
    }

    private mutating func write(_ value: SQLiteValue) {
        switch value {
        case .null: buffer.writeStaticString("\\N")
        case .integer(let i): buffer.writeString(String(i))
        case .real(let d): writeDouble(d)
        case .text(let s): writeText(s)
        case .blob(let b): writeBytea(b)
        }
    }

    /// A double in full round-trip precision (Swift's shortest exact form, which PostgreSQL's
    /// `float8in` reads back bit for bit); NaN as NULL, as the store binds it everywhere else.
    private mutating func writeDouble(_ d: Double) {
        if d.isNaN {
            buffer.writeStaticString("\\N")
        } else if d.isInfinite {
            buffer.writeStaticString(d < 0 ? "-Infinity" : "Infinity")
        } else {
            buffer.writeString(d.description)
        }
    }

    /// Text with COPY's escapes: backslash, tab, newline and carriage return.
    private mutating func writeText(_ s: String) {
        var s = s
        s.withUTF8 { bytes in
            if !bytes.contains(where: PGCopyRows.needsEscape) {
                buffer.writeBytes(UnsafeRawBufferPointer(bytes))
                return
            }
            for byte in bytes {
                switch byte {
                case UInt8(ascii: "\\"): buffer.writeStaticString("\\\\")
                case UInt8(ascii: "\t"): buffer.writeStaticString("\\t")
                case UInt8(ascii: "\n"): buffer.writeStaticString("\\n")
                case UInt8(ascii: "\r"): buffer.writeStaticString("\\r")
                default: buffer.writeInteger(byte)
                }
            }
        }
    }

    private static func needsEscape(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: "\\") || byte == UInt8(ascii: "\t") || byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\r")
    }

    /// A blob as bytea's hex form, its backslash escaped for COPY: `\\x0a1b…`.
    private mutating func writeBytea(_ bytes: [UInt8]) {
        let hex = Array("0123456789abcdef".utf8)
        buffer.writeStaticString("\\\\x")
        buffer.reserveCapacity(minimumWritableBytes: bytes.count * 2)
        for byte in bytes {
            buffer.writeInteger(hex[Int(byte >> 4)])
            buffer.writeInteger(hex[Int(byte & 0xF)])
        }
    }
}

extension PGConnection {
    /// Runs a query and returns its cells in one flat array, row after row: for bulk reads
    /// (`FETCH` from a cursor), which would copy every value twice through `query`'s rows.
    public func flatRows(_ sql: String, _ values: [SQLiteValue] = []) throws -> [SQLiteValue] {
        try rows(sql, values).cells
    }

    /// Sends `rows` with `COPY table (columns) FROM STDIN` in the current transaction and waits
    /// until PostgreSQL has stored them (far faster than INSERTs for bulk loads: no statement per
    /// batch, no placeholders). `table` and `columns` are identifiers the caller controls.
    public func copy(into table: String, columns: [String], rows: PGCopyRows) throws {
        guard rows.count > 0 else { return }
        let connection = self.connection
        let logger = self.logger
        let data = rows.buffer
        // PostgresNIO's COPY is async only: run it as a task and wait on its future, as every
        // other call of this synchronous connection waits on one (the caller is off the event loop).
        let promise = connection.eventLoop.makePromise(of: Void.self)
        promise.completeWithTask {
            try await connection.copyFrom(table: table, columns: columns, logger: logger) { writer in
                try await writer.write(data)
            }
        }
        do {
            try promise.futureResult.wait()
        } catch {
            throw PGSQL.sqliteError(error, sql: "COPY \(table) (\(columns.joined(separator: ", "))) FROM STDIN")
        }
    }
}
