import Foundation

/// Promotion gates: threshold expressions (`accuracy >= 0.9`), must-beat-current, and
/// "deployed to ENV first". Pure: the store supplies the numbers.
public struct GateExpression: Sendable, Equatable, CustomStringConvertible {
    public enum Op: String, Sendable, CaseIterable {
        case ge = ">="
        case gt = ">"
        case le = "<="
        case lt = "<"
        case eq = "=="
        case ne = "!="
    }
    public let metric: String
    public let op: Op
    public let threshold: Double

    public var description: String { "\(metric) \(op.rawValue) \(JSON.plain(threshold))" }

    /// Parses `accuracy >= 0.9` (also `=` for `==`).
    public static func parse(_ text: String) throws -> GateExpression {
        let s = text.trimmingCharacters(in: .whitespaces)
        // The leftmost operator character starts the operator, and the run of operator
        // characters from there is the operator (so `=>` is reported as unknown, not misread).
        if let i = s.firstIndex(where: { "<>=!".contains($0) }) {
            let end = s[i...].firstIndex { !"<>=!".contains($0) } ?? s.endIndex
            let op = String(s[i..<end])
            let metric = s[..<i].trimmingCharacters(in: .whitespaces)
            let rhs = s[end...].trimmingCharacters(in: .whitespaces)
            if !metric.isEmpty && op != "=" && Op(rawValue: op) == nil {
                throw TrackerError.invalid(
                    "gate '\(text)': unknown operator '\(op)'; use one of \(Op.allCases.map(\.rawValue).joined(separator: " ")), e.g. 'accuracy >= 0.9'")
            }
            if !metric.isEmpty {
                try Limits.validateKey(metric, "gate metric")
                guard let v = Double(rhs), v.isFinite else {
                    throw TrackerError.invalid("gate '\(text)': '\(rhs)' is not a finite number; write e.g. 'accuracy >= 0.9'")
                }
                return GateExpression(metric: metric, op: Op(rawValue: op == "=" ? "==" : op)!, threshold: v)
            }
        }
        throw TrackerError.invalid("gate '\(text)' is not an expression like 'accuracy >= 0.9' (operators: >= > <= < == !=)")
    }

    /// Whether a value passes. NaN never passes.
    public func passes(_ v: Double) -> Bool {
        if v.isNaN { return false }
        switch op {
        case .ge: return v >= threshold
        case .gt: return v > threshold
        case .le: return v <= threshold
        case .lt: return v < threshold
        case .eq: return v == threshold
        case .ne: return v != threshold
        }
    }
}

/// Which way is better for a metric.
public enum MetricDirection: String, Sendable {
    case higherIsBetter = "higher"
    case lowerIsBetter = "lower"

    /// Losses and errors are lower-is-better; everything else higher-is-better.
    public static func of(_ metric: String) -> MetricDirection {
        let k = metric.lowercased()
        let lower = ["loss", "error", "mae", "rmse", "mse", "mape", "log_loss", "logloss", "latency", "brier"]
        for word in lower where k == word || k.hasSuffix("_" + word) || k.hasPrefix(word + "_") || k.hasSuffix("." + word) {
            return .lowerIsBetter
        }
        return .higherIsBetter
    }
}

/// `METRIC[:MARGIN]` for must-beat-current.
public struct MustBeat: Sendable, Equatable {
    public let metric: String
    public let margin: Double

    public init(metric: String, margin: Double) {
        self.metric = metric
        self.margin = margin
    }

    public static func parse(_ text: String) throws -> MustBeat {
        let parts = text.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false).map { String($0).trimmingCharacters(in: .whitespaces) }
        // Found by fuzzing: an empty argument used to index an empty array.
        guard let metric = parts.first, !metric.isEmpty else { throw TrackerError.invalid("must-beat needs a metric, e.g. roc_auc or roc_auc:0.005") }
        try Limits.validateKey(metric, "must-beat metric")
        var margin = 0.0
        if parts.count == 2 {
            guard let m = Double(parts[1]), m.isFinite, m >= 0 else {
                throw TrackerError.invalid("must-beat margin '\(parts[1])' must be a non-negative number, e.g. accuracy:0.01")
            }
            margin = m
        }
        return MustBeat(metric: metric, margin: margin)
    }
}

/// One gate's verdict, with the numbers that decided it.
public struct GateResult: Sendable, Equatable {
    public let gate: String
    public let passed: Bool
    /// The numbers in full precision (JSON, the ledger).
    public let detail: String
    /// The same with numbers to 4 significant digits, for people.
    public let summary: String

    public init(gate: String, passed: Bool, detail: String, summary: String? = nil) {
        self.gate = gate
        self.passed = passed
        self.detail = detail
        self.summary = summary ?? detail
    }

    /// Equal when gate, verdict and full-precision detail are (the summary is derived from them).
    public static func == (a: GateResult, b: GateResult) -> Bool {
        a.gate == b.gate && a.passed == b.passed && a.detail == b.detail
    }

    public var json: JSON { .object([("gate", .string(gate)), ("passed", .bool(passed)), ("detail", .string(detail))]) }
}
