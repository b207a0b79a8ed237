/// One SQLite value: what is bound to a statement and what a column decodes to.
///
/// Binding and decoding are each one `switch` (see `Statement`). Note that SQLite stores a
/// bound NaN as NULL; callers that must keep NaN (metric values) encode it themselves.
public enum SQLiteValue: Sendable, Hashable {
    case integer(Int64)
    case real(Double)
    case text(String)
    case blob([UInt8])
    case null

    /// The value as an integer, converting reals; `nil` for NULL, text and blobs.
    public var int64: Int64? {
        switch self {
        case .integer(let v): return v
        case .real(let v): return v.isFinite ? Int64(exactly: v.rounded(.towardZero)) : nil
        default: return nil
        }
    }

    /// The value as a double, converting integers; `nil` for NULL, text and blobs.
    public var double: Double? {
        switch self {
        case .integer(let v): return Double(v)
        case .real(let v): return v
        default: return nil
        }
    }

    /// The value as text; `nil` unless it is text.
    public var string: String? {
        if case .text(let s) = self { return s }
        return nil
    }

    /// Whether the value is SQL NULL.
    public var isNull: Bool {
        if case .null = self { return true }
        return false
    }
}

/// A Swift value that can be bound as a statement parameter.
public protocol SQLiteBindable {
    /// The SQLite value this Swift value binds as.
    var sqliteValue: SQLiteValue { get }
}

extension SQLiteValue: SQLiteBindable {
    public var sqliteValue: SQLiteValue { self }
}
extension Int: SQLiteBindable {
    public var sqliteValue: SQLiteValue { .integer(Int64(self)) }
}
extension Int64: SQLiteBindable {
    public var sqliteValue: SQLiteValue { .integer(self) }
}
extension Double: SQLiteBindable {
    public var sqliteValue: SQLiteValue { .real(self) }
}
extension String: SQLiteBindable {
    public var sqliteValue: SQLiteValue { .text(self) }
}
extension Bool: SQLiteBindable {
    public var sqliteValue: SQLiteValue { .integer(self ? 1 : 0) }
}
extension Optional: SQLiteBindable where Wrapped: SQLiteBindable {
    public var sqliteValue: SQLiteValue {
        switch self {
        case .none: return .null
        case .some(let w): return w.sqliteValue
        }
    }
}
