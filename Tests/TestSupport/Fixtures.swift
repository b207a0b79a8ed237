import Foundation
import TrackerCore
import TrackerStore

// Fixtures shared by several test targets.

/// Milliseconds of an ISO-8601 UTC time.
public func t(_ iso: String) -> Int64 { try! TimeParser.parse(iso) }

/// A deterministic scenario around ISO week 2026-W47 (2026-11-16 – 2026-11-23, UTC):
/// - churn: v1 live since Nov 3; v2 promoted Wed Nov 18 10:00 (better offline, worse live);
///   v3 registered Nov 20, never deployed. Predictions with scores, ~80% labeled.
/// - fraud: v1 live; v2 force-promoted Tue Nov 17, rolled back Thu Nov 19. Hourly precision windows.
/// - pricing: v1 live since Oct 15, no live data at all.
public func seedReport(_ tmp: TempDir, coverage: Int = 80) throws -> Store {
    try tmp.seed("report_\(coverage)") { try seedReport($0, coverage: coverage).close() }
    return try Store.open(path: tmp.db)
}

/// The report scenario (see `seedReport(_:coverage:)`) written into the database at `path`.
public func seedReport(_ path: String, coverage: Int = 80) throws -> Store {
    let s = try Store.open(path: path)
    let exp = try s.experiments.ensureExperiment(name: "report")
    func version(_ model: String, _ runStart: String, _ registered: String, _ metrics: [String: Double]) throws {
        let r = try s.runs.createRun(experimentID: exp.id, name: "\(model)-\(runStart)", userID: "dana", startTime: t(runStart))
        try s.metrics.log(
            runID: r.runID,
            LogBatch(
                metrics: metrics.sorted { $0.key < $1.key }.map { MetricPoint(key: $0.key, value: $0.value, step: 0, time: t(runStart)) }))
        _ = try s.registry.registerVersion(name: model, runID: r.runID, userID: "dana", now: t(registered))
    }
    try version("churn", "2026-11-01T09:00:00Z", "2026-11-02T09:00:00Z", ["accuracy": 0.9, "roc_auc": 0.85])
    try version("churn", "2026-11-10T09:00:00Z", "2026-11-11T09:00:00Z", ["accuracy": 0.93, "roc_auc": 0.9])
    try version("churn", "2026-11-19T09:00:00Z", "2026-11-20T09:00:00Z", ["accuracy": 0.94, "roc_auc": 0.91])
    try version("fraud", "2026-09-20T09:00:00Z", "2026-09-25T09:00:00Z", ["precision": 0.8])
    try version("fraud", "2026-11-12T09:00:00Z", "2026-11-13T09:00:00Z", ["precision": 0.7])
    try version("pricing", "2026-10-01T09:00:00Z", "2026-10-10T09:00:00Z", ["mae": 3.5])
    _ = try s.deployments.promote(
        model: "churn", versionRef: "1", env: "production", reason: "first model", actor: "dana", now: t("2026-11-03T12:00:00Z"))
    _ = try s.deployments.promote(model: "fraud", versionRef: "1", env: "production", actor: "dana", now: t("2026-10-01T12:00:00Z"))
    _ = try s.deployments.promote(model: "pricing", versionRef: "1", env: "production", actor: "dana", now: t("2026-10-15T12:00:00Z"))
    _ = try s.deployments.promote(
        model: "churn", versionRef: "2", env: "production", reason: "better AUC offline", actor: "alice", now: t("2026-11-18T10:00:00Z"))
    _ = try s.deployments.promote(
        model: "fraud", versionRef: "2", env: "production", requires: [try GateExpression.parse("precision >= 0.75")],
        reason: "hotfix for new merchants",
        actor: "bob", force: true, now: t("2026-11-17T15:00:00Z"))
    _ = try s.deployments.rollback(model: "fraud", env: "production", reason: "false positives doubled", actor: "bob", now: t("2026-11-19T08:00:00Z"))

    // churn predictions: one every 10 minutes over W46 and W47. Correct with probability 0.88
    // under v1 and 0.80 under v2 (a deterministic generator, so the golden files are stable).
    var state: UInt64 = 42
    func next() -> Double {
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        return Double(state >> 11) / Double(1 << 53)
    }
    var events: [LiveEvent] = []
    var start = t("2026-11-09T00:00:00Z")
    let end = t("2026-11-23T00:00:00Z")
    var i = 0
    while start < end {
        let v2 = start >= t("2026-11-18T10:00:00Z")
        let actual = next() < 0.3 ? "1" : "0"
        let correct = next() < (v2 ? 0.80 : 0.88)
        let predicted = correct ? actual : (actual == "1" ? "0" : "1")
        let score = predicted == "1" ? 0.5 + 0.5 * next() : 0.5 * next()
        let id = "c\(i)"
        events.append(
            .prediction(
                PredictionInput(
                    model: "churn", env: "production", id: id, time: start, version: nil, label: predicted, value: Double(predicted),
                    score: (score * 1000).rounded() / 1000)))
        if next() * 100 < Double(coverage) {
            events.append(.outcome(OutcomeInput(id: id, label: actual, value: Double(actual), time: start + 86_400_000)))
        }
        start += 600_000
        i += 1
    }
    // fraud: hourly precision windows of 40 alerts each; v2 (Nov 17 15:00 – Nov 19 08:00) is worse.
    start = t("2026-11-09T00:00:00Z")
    while start < end {
        let v2 = start >= t("2026-11-17T15:00:00Z") && start < t("2026-11-19T08:00:00Z")
        let hits = Double(Int(next() * 6)) + (v2 ? 24 : 30)
        events.append(
            .window(
                LiveWindowInput(
                    model: "fraud", env: "production", metric: "precision", version: nil, start: start, end: start + 3_600_000, n: 40,
                    sum: hits, sumSq: hits)))
        start += 3_600_000
    }
    _ = try s.writeLive(events, lines: Array(1...events.count), source: "seed")
    return s
}

/// Every match of `pattern` in `s`, each as its capture groups (group 0 = the whole match).
public func matches(_ pattern: String, _ s: String) -> [[String]] {
    let re = try! NSRegularExpression(pattern: pattern, options: [.dotMatchesLineSeparators])
    let ns = s as NSString
    return re.matches(in: s, range: NSRange(location: 0, length: ns.length)).map { m in
        (0..<m.numberOfRanges).map { m.range(at: $0).location == NSNotFound ? "" : ns.substring(with: m.range(at: $0)) }
    }
}

/// A small seeded generator (SplitMix64) so every run simulates the same samples.
public struct SeededRandom: RandomNumberGenerator {
    var state: UInt64
    /// Starts the sequence at `seed`.
    public init(seed: UInt64) { state = seed }
    /// The next 64 random bits.
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    /// Uniform in [0, 1).
    public mutating func uniform() -> Double { Double(next() >> 11) / Double(1 << 53) }
    /// Standard normal (Box–Muller).
    public mutating func normal() -> Double {
        let u = max(uniform(), 1e-300)
        return (-2 * log(u)).squareRoot() * cos(2 * .pi * uniform())
    }
}
