import Dispatch
import Foundation
import SQLiteKit
import Synchronization
import TrackerCore

/// Row counts and checksums of every copied table in two databases.
public struct CopyVerification: Sendable {
    /// One table on both sides.
    public struct Table: Sendable {
        public let name: String
        public let source: UnorderedDigest
        public let target: UnorderedDigest
        /// Whether both sides hold the same rows.
        public var matches: Bool { source == target }
    }

    /// Every copied table, in copy order.
    public let tables: [Table]
    /// Rows in the source.
    public var rows: Int { tables.reduce(0) { $0 + $1.source.count } }
    /// The tables that differ.
    public var differences: [Table] { tables.filter { !$0.matches } }

    /// Throws a storage error naming every table that differs.
    public func requireIdentical(source: String, target: String) throws {
        let differ = differences
        guard !differ.isEmpty else { return }
        let each = differ.map { t in
            t.source.count == t.target.count
                ? "\(t.name) (\(t.source.count) rows on both sides, checksums differ)"
                : "\(t.name) (\(t.source.count) rows in the source, \(t.target.count) in the target)"
        }
        throw TrackerError(
            .storage,
            "\(target) is not an identical copy of \(source): \(differ.count) table\(differ.count == 1 ? "" : "s") differ: \(each.joined(separator: ", ")); copy again into a new, empty database"
        )
    }
}

extension Store {
    /// Compares every copied table of this database with `target` by row count and checksum
    /// (`tracker db copy --verify-only`), both read at the same time.
    public func verify(against target: Store) throws -> CopyVerification {
        if Store.copyIdentity(path) == Store.copyIdentity(target.path) {
            throw TrackerError.invalid("--to names the source database itself (\(target.path)); give the copy to compare with")
        }
        return try db.read { try Store.verify(source: $0, target: target) }
    }

    /// Checksums `source` (a connection inside the caller's read transaction, so the snapshot a
    /// copy read) on this thread and `target` on another, and pairs them.
    static func verify(source: Connection, target: Store) throws -> CopyVerification {
        let columns = try Store.copyTables.map { try Store.columns(source, $0) }
        let targetSums = Mutex<Result<[UnorderedDigest], any Error>?>(nil)
        let group = DispatchGroup()
        DispatchQueue.global().async(group: group) {
            let result = Result { try target.db.read { try Store.checksums($0, columns: columns) } }
            targetSums.withLock { $0 = result }
        }
        let sourceSums = Result { try Store.checksums(source, columns: columns) }
        group.wait()
        let mine = try sourceSums.get()
        let theirs = try targetSums.withLock { $0! }.get()
        return CopyVerification(
            tables: Store.copyTables.indices.map { CopyVerification.Table(name: Store.copyTables[$0], source: mine[$0], target: theirs[$0]) })
    }

    /// The digest of every copied table (`columns` per table, in `copyTables` order).
    static func checksums(_ c: Connection, columns: [[String]]) throws -> [UnorderedDigest] {
        try zip(Store.copyTables, columns).map { table, names in
            var digest = UnorderedDigest()
            var bytes: [UInt8] = []
            try stream(c, "SELECT \(names.joined(separator: ", ")) FROM \(table)", [], chunk: 10_000, columns: names.count) { cells, rows in
                for r in 0..<rows {
                    bytes.removeAll(keepingCapacity: true)
                    for value in cells[(r * names.count)..<((r + 1) * names.count)] { canonical(value, into: &bytes) }
                    bytes.withUnsafeBytes { digest.add($0) }
                }
            }
            return digest
        }
    }

    /// A value's bytes in the checksum: the same on both backends for the same stored value.
    /// A tag, then the value: integers as 8 bytes, doubles by bit pattern (NaN as NULL and −0 as
    /// 0, as SQLite stores them), text and blobs with their length first.
    static func canonical(_ value: SQLiteValue, into out: inout [UInt8]) {
        func append(_ n: UInt64) { withUnsafeBytes(of: n.littleEndian) { out.append(contentsOf: $0) } }
        switch value {
        case .null: out.append(0)
        case .integer(let i):
            out.append(1)
            append(UInt64(bitPattern: i))
        case .real(let d):
            if d.isNaN {
                out.append(0)
            } else {
                out.append(2)
                append((d == 0 ? 0.0 : d).bitPattern)
            }
        case .text(let s):
            out.append(3)
            append(UInt64(s.utf8.count))
            out.append(contentsOf: s.utf8)
        case .blob(let b):
            out.append(4)
            append(UInt64(b.count))
            out.append(contentsOf: b)
        }
    }
}
