import Foundation

/// MLflow's rules for keys and values (see shared/mlflow-api.md §2), shared by the CLI,
/// ingestion and the server.
public enum Limits {
    /// Longest metric, param or tag key.
    public static let keyLength = 250
    /// Longest param value.
    public static let paramValueLength = 6000
    /// Longest run tag value.
    public static let tagValueLength = 8000
    /// Longest experiment name.
    public static let experimentNameLength = 500
    /// Longest line `tracker ingest` accepts (hostile-input bound).
    public static let lineLength = 1 << 20

    /// Checks a metric, param or tag key; `what` names it in the message ("metric key").
    public static func validateKey(_ key: String, _ what: String) throws {
        if key.isEmpty { throw TrackerError.invalid("\(what) is empty; give a name such as 'loss'") }
        if key.utf8.count > keyLength {
            let field = ["metric key": "Metric name", "param key": "Param key", "tag key": "key"][what]
            throw TrackerError.invalid(
                "\(what) '\(key.prefix(40))…' is \(key.utf8.count) bytes; the limit is \(keyLength)",
                subject: field.map { .tooLong(field: $0, limit: keyLength) })
        }
        for u in key.utf8 {
            let ok =
                (u >= 0x30 && u <= 0x39) || (u >= 0x41 && u <= 0x5A) || (u >= 0x61 && u <= 0x7A)
                || u == 0x5F || u == 0x2D || u == 0x2E || u == 0x20 || u == 0x3A || u == 0x2F
            if !ok {
                throw TrackerError.invalid(
                    "\(what) '\(key)' has a character that is not allowed; use letters, digits, '_', '-', '.', ' ', ':' and '/'",
                    subject: .badName(key))
            }
        }
        if key.hasPrefix("/") || key.split(separator: "/", omittingEmptySubsequences: false).contains(where: { $0 == ".." }) {
            throw TrackerError.invalid("\(what) '\(key)' must be a relative name without '..' parts", subject: .nameResolves(key))
        }
    }

    /// Checks a param value's length.
    public static func validateParamValue(_ key: String, _ value: String) throws {
        if value.utf8.count > paramValueLength {
            throw TrackerError.invalid("param '\(key)' value is \(value.utf8.count) bytes; the limit is \(paramValueLength)")
        }
    }

    /// Checks a tag value's length.
    public static func validateTagValue(_ key: String, _ value: String) throws {
        if value.utf8.count > tagValueLength {
            throw TrackerError.invalid("tag '\(key)' value is \(value.utf8.count) bytes; the limit is \(tagValueLength)")
        }
    }

    /// Checks an experiment name.
    public static func validateExperimentName(_ name: String) throws {
        if name.trimmingCharacters(in: .whitespaces).isEmpty {
            throw TrackerError.invalid("experiment name is empty; give one such as 'churn'", subject: .missing(field: "new_name"))
        }
        if name.utf8.count > experimentNameLength {
            throw TrackerError.invalid(
                "experiment name is \(name.utf8.count) bytes; the limit is \(experimentNameLength)",
                subject: .tooLong(field: "name", limit: experimentNameLength))
        }
    }

    /// Whether `s` is a run id: 32 lowercase hex characters.
    public static func isRunID(_ s: String) -> Bool {
        s.utf8.count == 32 && s.utf8.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) }
    }
}

/// Run statuses (MLflow's names).
public enum RunStatus: String, Sendable, CaseIterable {
    case running = "RUNNING"
    case scheduled = "SCHEDULED"
    case finished = "FINISHED"
    case failed = "FAILED"
    case killed = "KILLED"

    /// Parses a status name, case-insensitively.
    public init(parsing text: String) throws {
        guard let s = RunStatus(rawValue: text.uppercased()) else {
            throw TrackerError.invalid(
                "unknown run status '\(text)'; use one of \(RunStatus.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        self = s
    }
}
