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
        /// The database stayed locked by another writer; retrying later can succeed.
        case busy
    }

    /// What an error is about, for callers that word it their own way (the MLflow API speaks
    /// the reference server's words) without parsing `message`.
    public enum Subject: Sendable, Equatable {
        /// An experiment by id.
        case experiment(String)
        /// An experiment by name (a name that exists already).
        case experimentName(String)
        case run(String)
        /// A tag missing from a run.
        case runTag(key: String, run: String)
        /// A registered model by name.
        case model(String)
        case version(model: String, version: Int)
        /// A run that is not active any more (`state` is its lifecycle stage).
        case runNotActive(run: String, state: String)
        /// A value longer than `limit`; `field` names it as the MLflow API does ("Metric name").
        case tooLong(field: String, limit: Int)
        /// A required value that is empty; `field` names it as the MLflow API does.
        case missing(field: String)
        /// A search filter or order-by the MLflow API refuses; `mlflow` is the reference's wording
        /// (the message keeps tracker's hint for the terminal).
        case filter(mlflow: String)
        /// A search filter clause with an operator its key does not take (`op` as written).
        case badOperator(key: String, op: String)
        /// A metric, param or tag key with a character outside MLflow's set.
        case badName(String)
        /// A key that does not stay the same as a relative path (`..` parts, a leading `/`).
        case nameResolves(String)
        /// A param logged again with another value.
        case paramChanged(key: String, old: String, new: String, run: String)
    }

    public let kind: Kind
    public let message: String
    /// What the error is about, when a caller may need it apart from the message.
    public let subject: Subject?

    public init(_ kind: Kind, _ message: String, subject: Subject? = nil) {
        self.kind = kind
        self.message = message
        self.subject = subject
    }

    public static func invalid(_ message: String, subject: Subject? = nil) -> TrackerError {
        TrackerError(.invalidInput, message, subject: subject)
    }
    public static func notFound(_ message: String, subject: Subject? = nil) -> TrackerError {
        TrackerError(.notFound, message, subject: subject)
    }

    /// Process exit status: 3 for a failed gate, 1 otherwise.
    public var exitCode: Int32 { kind == .gateFailed ? 3 : 1 }

    public var description: String { message }
}
