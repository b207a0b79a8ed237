import Crypto

/// A checksum of a set of byte strings that does not depend on their order: the sum, modulo
/// 2²⁵⁶, of each one's SHA-256. Two databases that sort rows differently (SQLite compares text
/// by bytes, PostgreSQL by its collation) still agree on a table's digest when they hold the
/// same rows; a changed, missing or extra row changes it.
public struct UnorderedDigest: Sendable, Equatable {
    /// How many byte strings were added.
    public private(set) var count = 0
    /// The sum, least significant 64-bit word first.
    private var words: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)

    public init() {}

    /// Adds one byte string (one row's canonical bytes).
    public mutating func add(_ bytes: UnsafeRawBufferPointer) {
        var hasher = Crypto.SHA256()
        hasher.update(bufferPointer: bytes)
        let digest = hasher.finalize()
        var w: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
        digest.withUnsafeBytes { p in
            w = (
                p.loadUnaligned(fromByteOffset: 0, as: UInt64.self), p.loadUnaligned(fromByteOffset: 8, as: UInt64.self),
                p.loadUnaligned(fromByteOffset: 16, as: UInt64.self), p.loadUnaligned(fromByteOffset: 24, as: UInt64.self)
            )
        }
        var carry: UInt64 = 0
        (words.0, carry) = UnorderedDigest.add(words.0, w.0, carry)
        (words.1, carry) = UnorderedDigest.add(words.1, w.1, carry)
        (words.2, carry) = UnorderedDigest.add(words.2, w.2, carry)
        (words.3, _) = UnorderedDigest.add(words.3, w.3, carry)
        count += 1
    }

    private static func add(_ a: UInt64, _ b: UInt64, _ carry: UInt64) -> (UInt64, UInt64) {
        let (s1, o1) = a.addingReportingOverflow(b)
        let (s2, o2) = s1.addingReportingOverflow(carry)
        return (s2, (o1 ? 1 : 0) + (o2 ? 1 : 0))
    }

    /// The sum as 64 lowercase hex characters, most significant first.
    public var hex: String {
        [words.3, words.2, words.1, words.0].map { w in
            let s = String(w, radix: 16)
            return String(repeating: "0", count: 16 - s.count) + s
        }.joined()
    }

    public static func == (a: UnorderedDigest, b: UnorderedDigest) -> Bool {
        a.count == b.count && a.words == b.words
    }
}
