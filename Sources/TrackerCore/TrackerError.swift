/// An error meant for the person at the terminal: what happened and what to do.
///
/// `exitCode` is the process exit status the CLI uses (see README "Exit codes");
/// `kind` lets the HTTP server pick a status and an MLflow `error_code`.
public struct TrackerError: Error, CustomStringConvertible, Sendable, Equatable {
    /// What sort of failure this is.
    public enum Kind: Sendable, Equatable {
        /// Bad input from the user (a value, a key, a file line).
        case invalidInput
        /// Something named does not exist.
        case notFound
        /// Something being created exists already.
        case alreadyExists
        /// A promotion gate failed (exit 3).
        case gateFailed
        /// The database or file system refused (schema too new, unwritable, not a database).
        case storage
        /// A conflict with the current state (e.g. param change, run not active).
        case conflict
    }

    public let kind: Kind
    public let message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public static func invalid(_ message: String) -> TrackerError { TrackerError(.invalidInput, message) }
    public static func notFound(_ message: String) -> TrackerError { TrackerError(.notFound, message) }

    /// Process exit status: 3 for a failed gate, 1 otherwise.
    public var exitCode: Int32 { kind == .gateFailed ? 3 : 1 }

    public var description: String { message }
}
