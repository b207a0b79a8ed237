import Foundation
import Testing

@testable import TrackerAnalysis
@testable import TrackerCore
@testable import TrackerStore

extension SeededRandom {
    mutating func unit() -> Double { uniform() }
    mutating func int(_ n: Int) -> Int { Int(next() % UInt64(n)) }
}

/// Hour-aligned start of the generated data, and an hour.
let rollupT0: Int64 = 1_790_002_800_000
let hourMs: Int64 = 3_600_000

/// Classification (`churn`, scores, v2 promoted mid-hour) and regression (`price`) events over
/// six hours: outcomes delayed or before their prediction, ~10% re-sent (some with another
/// actual: the first wins), shuffled.
func rollupEvents(seed: UInt64, count: Int, idPrefix: String) -> [LiveEvent] {
    var r = SeededRandom(seed: seed)
    var events: [LiveEvent] = []
    for i in 0..<count {
        let t = rollupT0 + Int64(r.int(Int(6 * hourMs)))
        let regression = i % 3 == 0
        let id = "\(idPrefix)\(i)"
        if regression {
            let actual = i % 50 == 0 ? 0 : 100 + 20 * (r.unit() - 0.5)
            let predicted = actual + 8 * (r.unit() - 0.4)
            events.append(.prediction(PredictionInput(model: "price", env: "production", id: id, time: t, label: "\(predicted)", value: predicted)))
            if r.unit() < 0.85 {
                events.append(.outcome(OutcomeInput(id: id, label: "\(actual)", value: actual, time: t + Int64(r.int(Int(30 * hourMs))))))
            }
        } else {
            let positive = r.unit() < 0.3
            let score = min(1, max(0, (positive ? 0.65 : 0.35) + 0.25 * (r.unit() - 0.5) * 2))
            let label = score > 0.5 ? "1" : "0"
            let hasScore = i % 17 != 0
            events.append(
                .prediction(
                    PredictionInput(
                        model: "churn", env: "production", id: id, time: t, label: label, value: Double(label), score: hasScore ? score : nil)))
            if r.unit() < 0.85 {
                let actual = positive ? "1" : "0"
                events.append(.outcome(OutcomeInput(id: id, label: actual, value: Double(actual), time: t + Int64(r.int(Int(30 * hourMs))))))
            }
        }
    }
    // Re-sends: exact copies, and outcomes with another actual (ignored: the first one wins).
    for _ in 0..<(events.count / 10) {
        let e = events[r.int(events.count)]
        events.append(e)
        if case .outcome(var o) = e, o.label == "1" {
            o.label = "0"
            o.value = 0
            events.append(.outcome(o))
        }
    }
    for i in stride(from: events.count - 1, to: 0, by: -1) { events.swapAt(i, r.int(i + 1)) }
    return events
}

/// Ingests in batches of varying size, as several `live ingest` calls would.
func ingest(_ s: Store, _ events: [LiveEvent], seed: UInt64) throws {
    var r = SeededRandom(seed: seed)
    var i = 0
    while i < events.count {
        let n = min(events.count - i, 1 + r.int(700))
        _ = try s.writeLive(Array(events[i..<(i + n)]), lines: Array(1...n), source: nil)
        i += n
    }
}

/// A store with `churn` (v1, then v2 promoted at 2.5 h) and `price` (v1) live in production.
func rollupStore(_ tmp: TempDir) throws -> Store {
    let s = try liveStore(tmp)
    let exp = try s.experiments.ensureExperiment(name: "price")
    let run = try s.runs.createRun(experimentID: exp.id)
    _ = try s.registry.registerVersion(name: "price", runID: run.runID)
    _ = try s.deployments.promote(model: "churn", versionRef: "1", env: "production", actor: "t", now: rollupT0 - hourMs)
    _ = try s.deployments.promote(model: "churn", versionRef: "2", env: "production", actor: "t", now: rollupT0 + 2 * hourMs + hourMs / 2)
    _ = try s.deployments.promote(model: "price", versionRef: "1", env: "production", actor: "t", now: rollupT0 - hourMs)
    return s
}

/// Windows compared: all time, whole hours, unaligned edges, inside one hour, and after a cut.
let rollupWindows: [(since: Int64, until: Int64)] = [
    (.min, .max), (rollupT0, rollupT0 + 6 * hourMs), (rollupT0 + 17 * 60_000, rollupT0 + 5 * hourMs + 180_000),
    (rollupT0 + 2 * hourMs + 60_000, rollupT0 + 2 * hourMs + 3_000_000), (rollupT0 + 3 * hourMs + 600_000, rollupT0 + 9 * hourMs),
]

func liveData(_ s: Store, _ model: String, _ w: (since: Int64, until: Int64), version: Int? = nil, source: LiveDataSource) throws -> LiveData {
    try s.db.read { c in
        let m = try RegistryRepository.modelRow(c, model)
        let settings = try LiveRepository.liveSettings(c, modelID: m.id)
        return try LiveRepository.liveData(
            c, modelID: m.id, env: "production", since: w.since, until: w.until, positive: settings.positiveLabel, version: version,
            settings: settings, source: source)
    }
}

/// Rollup figures equal raw ones: counts exactly, float-derived values and intervals to 1e-9
/// relative, histogram ROC AUC within its stated bound.
func expectSame(_ rollup: LiveData, _ raw: LiveData, _ context: String) {
    #expect(Set(rollup.predictions.keys) == Set(raw.predictions.keys), "\(context): versions")
    #expect(rollup.convertedScores == raw.convertedScores, "\(context): converted scores")
    func close(_ a: Double, _ b: Double) -> Bool { a == b || abs(a - b) <= 1e-9 * max(abs(a), abs(b)) }
    for (v, exact) in raw.predictions {
        guard let fromRollup = rollup.predictions[v] else { continue }
        let where_ = "\(context) v\(v.map(String.init) ?? "-")"
        #expect(fromRollup.predictions == exact.predictions && fromRollup.labeled == exact.labeled, "\(where_): counts")
        #expect(fromRollup.notes.filter { !$0.hasPrefix("roc_auc") } == exact.notes, "\(where_): notes")
        let a = fromRollup.estimates()
        let b = exact.estimates()
        #expect(a.map(\.metric) == b.map(\.metric), "\(where_): metrics")
        for (x, y) in zip(a, b) {
            #expect(x.n == y.n, "\(where_) \(x.metric): n")
            if x.metric == "roc_auc" {
                let bound = fromRollup.aucBound ?? 0
                #expect(bound >= 0 && bound < 0.01, "\(where_): bound \(bound)")
                #expect(abs(x.value - y.value) <= bound + 1e-12, "\(where_): AUC \(x.value) vs \(y.value) ± \(bound)")
                #expect(x.interval.low <= y.value && y.value <= x.interval.high, "\(where_): the widened interval holds the exact AUC")
                #expect(x.interval.method == "wilson-hanley-mcneil+bins")
            } else if ["accuracy", "precision", "recall", "f1", "f1_macro"].contains(x.metric) {
                #expect(x == y, "\(where_) \(x.metric): from counts, so identical")
            } else {
                #expect(close(x.value, y.value), "\(where_) \(x.metric): \(x.value) vs \(y.value)")
                #expect(close(x.interval.low, y.interval.low) && close(x.interval.high, y.interval.high), "\(where_) \(x.metric): interval")
                #expect(x.interval.method == y.interval.method, "\(where_) \(x.metric): method")
            }
        }
    }
}

/// The raw figures of every compared window and version, per model.
func rawFigures(_ s: Store) throws -> [String: LiveData] {
    var out: [String: LiveData] = [:]
    for model in ["churn", "price"] {
        for (i, w) in rollupWindows.enumerated() {
            out["\(model)/\(i)"] = try liveData(s, model, w, source: .raw)
            out["\(model)/\(i)/v2"] = try liveData(s, model, w, version: 2, source: .raw)
        }
    }
    return out
}

func expectRollupsMatch(_ s: Store, _ raw: [String: LiveData], _ phase: String, windows: [Int] = Array(rollupWindows.indices)) throws {
    for model in ["churn", "price"] {
        for i in windows {
            let w = rollupWindows[i]
            let r = try liveData(s, model, w, source: .rollup)
            #expect(r.source == "rollup", "\(phase): rollups used")
            expectSame(r, raw["\(model)/\(i)"]!, "\(phase) \(model) window \(i)")
            expectSame(try liveData(s, model, w, version: 2, source: .rollup), raw["\(model)/\(i)/v2"]!, "\(phase) \(model) window \(i) v2")
        }
    }
}

@Suite struct RollupExactnessTests {
    @Test(arguments: TestBackend.all) func rollupsEqualTheRawComputationThroughResendsRebuildsAndPruning(_ backend: TestBackend) throws {
        let tmp = try TempDir(backend)
        let s = try rollupStore(tmp)
        let events = rollupEvents(seed: 17, count: 3000, idPrefix: "p")
        try ingest(s, events, seed: 5)
        let raw = try rawFigures(s)
        #expect(raw["churn/0"]!.predictions[2]!.labeled > 500 && raw["price/0"]!.predictions[1]!.labeled > 500)
        try expectRollupsMatch(s, raw, "after ingest")

        // Re-sending everything changes nothing.
        try ingest(s, events, seed: 6)
        try expectRollupsMatch(s, raw, "after a re-send")

        // A rebuild in small batches gives the same rollups.
        try s.live.markRollupsForRebuild(model: nil)
        var steps = 0
        try s.live.rebuildRollups(batchSize: 137) { _ in steps += 1 }
        #expect(steps > 20)
        try expectRollupsMatch(s, raw, "after a rebuild")

        // Pruning the first three hours: whole-hour windows and those whose edges are still raw keep their figures.
        let pruned = try s.live.prune(before: rollupT0 + 3 * hourMs + 1_200_000, model: nil)
        #expect(pruned.before == rollupT0 + 3 * hourMs && pruned.predictions > 1000 && pruned.outcomes > 500)
        try expectRollupsMatch(s, raw, "after pruning", windows: [0, 1, 4])
        let auto = try liveData(s, "churn", rollupWindows[0], source: .auto)
        #expect(auto.source == "rollup")  // raw rows are gone: the rollups answer
        try ingest(s, events, seed: 7)  // re-sent pruned predictions are not counted again
        try expectRollupsMatch(s, raw, "after pruning and a re-send", windows: [0, 1, 4])

        // A rebuild after pruning keeps the pruned hours' rollups.
        try s.live.markRollupsForRebuild(model: nil)
        try s.live.rebuildRollups(batchSize: 211)
        try expectRollupsMatch(s, raw, "after pruning and a rebuild", windows: [0, 1, 4])
    }

    @Test(arguments: TestBackend.all) func ingestDuringARebuildCountsEachPredictionOnce(_ backend: TestBackend) throws {
        let tmp = try TempDir(backend)
        let s = try rollupStore(tmp)
        try ingest(s, rollupEvents(seed: 3, count: 1500, idPrefix: "a"), seed: 1)
        try s.live.markRollupsForRebuild(model: nil)
        // Part of the rebuild, then new data (before and after the rebuild's cursor), then the rest.
        for _ in 0..<3 {
            let churn = try s.db.read { c in try RegistryRepository.modelRow(c, "churn").id }
            _ = try s.db.write { c in try LiveRepository.rebuildBatch(c, modelID: churn, limit: 200) }
        }
        #expect(try liveData(s, "churn", rollupWindows[0], source: .rollup).source == "raw")  // not whole yet: raw rows answer
        try ingest(s, rollupEvents(seed: 4, count: 1500, idPrefix: "b"), seed: 2)
        try s.live.rebuildRollups(batchSize: 300)
        try expectRollupsMatch(s, try rawFigures(s), "after a rebuild with ingest")
    }

    @Test(arguments: TestBackend.all) func aNewPositiveLabelRebuildsTheRollups(_ backend: TestBackend) throws {
        let tmp = try TempDir(backend)
        let s = try rollupStore(tmp)
        try ingest(s, rollupEvents(seed: 9, count: 1200, idPrefix: "p"), seed: 3)
        try s.setPositiveLabel(model: "churn", label: "0")
        #expect(try s.live.rollupsPending())
        try s.live.rebuildRollups()
        #expect(try !s.live.rollupsPending())
        let raw = try rawFigures(s)
        #expect(!(raw["churn/0"]!.convertedScores[2] ?? [:]).isEmpty)  // scores were ingested as P('1')
        try expectRollupsMatch(s, raw, "after a new positive label")
    }

    @Test func histogramAUCIsWithinItsBoundAndEncodesCompactly() {
        var r = SeededRandom(seed: 11)
        var h = ScoreHistogram()
        var pos: [Double] = []
        var neg: [Double] = []
        for _ in 0..<5000 {
            let y = r.unit() < 0.4
            let s = (r.unit() * 10_000).rounded() / 10_000
            if y { pos.append(min(1, s * 1.2)) } else { neg.append(s * 0.9) }
            h.add(score: y ? min(1, s * 1.2) : s * 0.9, positive: y)
        }
        let exact = Stats.auc(positives: pos, negatives: neg)!.value
        let est = h.auc()!
        #expect(abs(est.value - exact) <= est.bound && est.bound < 0.001)
        #expect(ScoreHistogram(encoded: h.encoded) == h)
        #expect(ScoreHistogram(encoded: [0x80]) == nil && ScoreHistogram(encoded: [0xFF, 0x7F, 1, 1]) == nil)
        var sparse = ScoreHistogram()
        sparse.add(score: 1, positive: true)
        #expect(sparse.encoded.count == 4 && ScoreHistogram(encoded: sparse.encoded) == sparse)
    }

    @Test func powerSumsGiveTheMomentsOfTheRows() {
        var p = PowerSums()
        var m = Moments()
        var r = SeededRandom(seed: 2)
        for _ in 0..<10_000 {
            let x = -log(max(1e-12, r.unit()))
            p.add(x)
            m.add(x)
        }
        let q = p.moments
        #expect(abs(q.mean - m.mean) <= 1e-12 * m.mean && abs(q.m2 - m.m2) <= 1e-9 * m.m2 && abs(q.m3! - m.m3!) <= 1e-9 * abs(m.m3!))
        var constant = PowerSums()
        for _ in 0..<1000 { constant.add(0.1) }
        #expect(constant.moments.m2 == 0)  // no interval for a constant series, as row by row
    }
}
