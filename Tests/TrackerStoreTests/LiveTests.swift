import Foundation
import Testing
import TrackerAnalysis

@testable import TrackerCore
@testable import TrackerStore

/// Model `churn` v1 (accuracy 0.9, roc_auc 0.8) and v2 (accuracy 0.95), rule-based `rules`.
func liveStore(_ tmp: TempDir) throws -> Store {
    let s = try Store.open(path: tmp.db)
    let exp = try s.experiments.ensureExperiment(name: "churn")
    for (acc, auc) in [(0.9, 0.8), (0.95, 0.85)] {
        let r = try s.runs.createRun(experimentID: exp.id)
        try s.metrics.log(
            runID: r.runID,
            LogBatch(metrics: [
                MetricPoint(key: "accuracy", value: acc, step: 0, time: 1), MetricPoint(key: "roc_auc", value: auc, step: 0, time: 1),
            ]))
        _ = try s.registry.registerVersion(name: "churn", runID: r.runID)
    }
    return s
}

func jsonl(_ objects: [String]) -> String { objects.joined(separator: "\n") + "\n" }

@Suite struct LiveIngestTests {
    @Test(arguments: TestBackend.all) func resendingAWindowReplaces(_ backend: TestBackend) throws {
        let tmp = try TempDir(backend)
        _ = try liveStore(tmp)
        let db = ["--db", tmp.db]
        let args =
            [
                "live", "record", "churn", "--env", "production", "--metric", "accuracy", "--value", "0.8", "--count", "100", "--model-version",
                "1",
                "--start", "2026-11-23T10:00:00Z", "--end", "2026-11-23T11:00:00Z",
            ] + db
        #expect(try ok(args).contains("recorded window"))
        #expect(try ok(args).contains("replaced window"))
        let changed = args.map { $0 == "0.8" ? "0.7" : $0 }
        try ok(changed)
        let gap = try JSON.parse(try ok(["gap", "churn", "--since", "2026-11-23", "--until", "2026-11-24", "--json"] + db))
        let row = gap["versions"]?.arrayValue?.first?["metrics"]?.arrayValue?.first
        #expect(row?["n"] == .int(100))  // not 300
        #expect(row?["live"] == .double(0.7))
        // The same window through live ingest (JSON Lines and CSV) replaces too.
        let csv = tmp.write(
            "w.csv",
            "model,env,metric,value,count,version,start,end\nchurn,production,accuracy,0.75,100,1,2026-11-23T10:00:00Z,2026-11-23T11:00:00Z\n"
        )
        let r = try tracker(["live", "ingest", csv] + db)
        #expect(r.status == 0 && r.stderr.contains("stored 0, replaced 1"))
    }

    @Test func windowsCombineExactly() throws {
        // Two windows of a mean metric: the combined mean and variance equal those of the pooled data.
        let a: [Double] = [1, 2, 3, 4]
        let b: [Double] = [10, 12]
        var t = WindowTotals()
        for xs in [a, b] { t.add(n: Double(xs.count), sum: xs.reduce(0, +), sumSq: xs.map { $0 * $0 }.reduce(0, +)) }
        let all = a + b
        let mean = all.reduce(0, +) / 6
        let sd = (all.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / 5).squareRoot()
        let e = try #require(t.estimate(metric: "m"))
        #expect(abs(e.value - mean) < 1e-12)
        #expect(e.interval.method == "t")
        #expect(abs((e.interval.high - e.value) - 2.5705818356363146 * sd / 6.0.squareRoot()) < 1e-9)
        // From mean and std as a client would send them.
        let w = try LiveWindowInput.from(
            model: "m", env: "e", metric: "x", version: nil, start: 0, end: 1, mean: 2.5, count: 4, std: (5.0 / 3).squareRoot(), sumSq: nil)
        #expect(abs(w.sumSq - 30) < 1e-9)
    }

    @Test(arguments: TestBackend.all) func predictionsJoinLateEarlyDuplicateAndMissingOutcomes(_ backend: TestBackend) throws {
        let tmp = try TempDir(backend)
        let s = try liveStore(tmp)
        _ = try s.deployments.promote(model: "churn", versionRef: "1", env: "production", actor: "t", now: 0)
        let db = ["--db", tmp.db]
        let t0: Int64 = 1_795_000_000_000
        let early = jsonl([#"{"type":"outcome","id":"a","actual":1,"time":\#(t0)}"#])  // before its prediction
        let preds = jsonl(
            (0..<4).map { i in
                #"{"type":"prediction","model":"churn","env":"production","id":"\#(["a", "b", "c", "d"][i])","time":\#(t0 + Int64(i)),"prediction":\#(i % 2),"score":0.\#(i + 5)}"#
            })
        let late = jsonl([
            #"{"type":"outcome","id":"b","actual":1,"time":"2026-12-01T00:00:00Z"}"#,
            #"{"type":"outcome","id":"b","actual":0,"time":"2026-12-02T00:00:00Z"}"#,  // duplicate: ignored
            #"{"type":"outcome","id":"c","actual":0}"#,
        ])
        // d never gets an outcome.
        #expect(try tracker(["live", "ingest", "-"] + db, stdin: early).stderr.contains("stored 1, replaced 0, duplicate 0"))
        #expect(
            try tracker(["live", "ingest", "-"] + db, stdin: preds).stderr.contains(
                "stored 4, replaced 0, duplicate 0, rejected 0 (joined 1 outcomes"))
        #expect(
            try tracker(["live", "ingest", "-"] + db, stdin: late).stderr.contains(
                "stored 2, replaced 0, duplicate 1, rejected 0 (joined 2 outcomes"))
        // Everything again: nothing double-counts.
        let again = try tracker(["live", "ingest", "-"] + db, stdin: early + preds + late)
        #expect(again.stderr.contains("stored 0, replaced 0, duplicate 8"))
        let gap = try JSON.parse(try ok(["gap", "churn", "--since", "\(t0)", "--until", "\(t0 + 10)", "--min-n", "1", "--json"] + db))
        let v = try #require(gap["versions"]?.arrayValue?.first)
        #expect(v["predictions"] == .int(4) && v["labeled"] == .int(3) && v["coverage"] == .double(0.75))
        // a: pred 0, actual 1 · b: pred 1, actual 1 · c: pred 0, actual 0 → accuracy 2/3.
        let acc = v["metrics"]?.arrayValue?.first { $0["metric"] == .string("accuracy") }
        #expect(acc?["live"] == .double(2.0 / 3.0))
        #expect(acc?["offline"] == .double(0.9))
    }

    @Test(arguments: TestBackend.all) func attributionAcrossAPromoteAndARollbackInOneDay(_ backend: TestBackend) throws {
        let tmp = try TempDir(backend)
        let s = try liveStore(tmp)
        let day = Int64(1_795_000_000_000)
        let h = Int64(3_600_000)
        _ = try s.deployments.promote(model: "churn", versionRef: "1", env: "production", actor: "t", now: day)
        _ = try s.deployments.promote(model: "churn", versionRef: "2", env: "production", actor: "t", now: day + 8 * h)
        _ = try s.deployments.rollback(model: "churn", env: "production", actor: "t", now: day + 12 * h)
        var lines: [String] = []
        // One prediction per hour for 24 hours, each correct; plus one before any deployment.
        for i in -1..<24 {
            let t = day + Int64(i) * h + 1
            lines.append(#"{"type":"prediction","model":"churn","env":"production","id":"p\#(i)","time":\#(t),"prediction":1}"#)
            lines.append(#"{"type":"outcome","id":"p\#(i)","actual":1}"#)
        }
        let r = try tracker(["live", "ingest", "-", "--db", tmp.db], stdin: jsonl(lines))
        #expect(r.stderr.contains("1 unattributed"))
        var o = GapOptions(since: day - 2 * h, until: day + 24 * h)
        o.minN = 1
        let gap = try s.gap(model: "churn", env: "production", options: o)
        let counts = Dictionary(uniqueKeysWithValues: gap.versions.map { ($0.version!, $0.predictions) })
        #expect(counts == [1: 8 + 12, 2: 4])
        #expect(gap.unattributed?.predictions == 1)
        // Version 2 is compared with the incumbent that was live before it (v1).
        #expect(gap.versions.first { $0.version == 2 }?.incumbent?.version == 1)
    }

    @Test(arguments: TestBackend.all) func badLinesRejectTheirBatchAndNameTheLine(_ backend: TestBackend) throws {
        let tmp = try TempDir(backend)
        _ = try liveStore(tmp)
        let lines = [
            #"{"type":"prediction","model":"churn","env":"production","id":"x1","prediction":1}"#,
            #"{"type":"window","model":"churn","env":"production","metric":"accuracy","value":"NaN","count":10}"#,
            #"{"type":"prediction","model":"churn","env":"production","id":"x2","prediction":1}"#,
            #"{"type":"prediction","model":"nope","env":"production","id":"x3","prediction":1}"#,
            #"{"type":"prediction","model":"churn","env":"production","id":"x4","prediction":1}"#,
        ]
        let r = try tracker(["live", "ingest", "-", "--batch-size", "2", "--db", tmp.db], stdin: jsonl(lines))
        #expect(r.status == 1)
        #expect(
            r.stderr.contains(
                "-:2: \"value\" must be a finite number (NaN and infinities are refused); its batch (lines 1–2, 2 lines) was not written"))
        #expect(r.stderr.contains("-:4: model 'nope' not found; models: churn"))
        #expect(r.stderr.contains("stored 1, replaced 0, duplicate 0, rejected 4"))
        let s = try Store.open(path: tmp.db)
        let ids = try s.db.read { try $0.query("SELECT id FROM predictions ORDER BY id") { $0.string(0) } }
        #expect(ids == ["x4"])
    }
}

@Suite struct LiveMetricTests {
    /// A hand-worked binary case, checked against formulas written out here.
    @Test func classificationMetricsMatchAnIndependentComputation() {
        let y: [Int] = [1, 1, 1, 0, 0, 0, 0, 1, 0, 1]
        let p: [Double] = [0.9, 0.8, 0.4, 0.3, 0.6, 0.1, 0.2, 0.7, 0.35, 0.55]
        var acc = PredictionAccumulator(positive: "1")
        for (yi, pi) in zip(y, p) {
            acc.add(label: pi >= 0.5 ? "1" : "0", value: pi >= 0.5 ? 1 : 0, score: pi, actualLabel: String(yi), actualValue: Double(yi))
        }
        let e = Dictionary(uniqueKeysWithValues: acc.estimates().map { ($0.metric, $0) })
        // Predicted: 1 1 0 0 1 0 0 1 0 1 → TP 4 (0,1,7,9), FP 1 (4), FN 1 (2), TN 4.
        #expect(e["accuracy"]?.value == 0.8)
        #expect(e["precision"]?.value == 0.8)
        #expect(e["recall"]?.value == 0.8)
        #expect(e["f1"]?.value == 0.8)
        // AUC: pairs (pos, neg) with pos score > neg score. Positives .9 .8 .4 .7 .55; negatives .3 .6 .1 .2 .35.
        // .9,.8,.7 beat all 5; .55 beats 4; .4 beats 4 → 23/25.
        #expect(e["roc_auc"]?.value == 23.0 / 25.0)
        let ll = zip(y, p).map { yi, pi in yi == 1 ? -log(pi) : -log(1 - pi) }.reduce(0, +) / 10
        #expect(abs((e["log_loss"]?.value ?? 0) - ll) < 1e-12)
        #expect(e["accuracy"]?.interval.method == "wilson")
    }

    @Test func regressionMetricsMatchAnIndependentComputation() {
        let y: [Double] = [3, -0.5, 2, 7]
        let f: [Double] = [2.5, 0.0, 2, 8]
        var acc = PredictionAccumulator(positive: "1")
        for (a, b) in zip(y, f) { acc.add(label: String(b), value: b, score: nil, actualLabel: String(a), actualValue: a) }
        let e = Dictionary(uniqueKeysWithValues: acc.estimates().map { ($0.metric, $0) })
        // scikit-learn's documented example: MAE 0.5, RMSE sqrt(0.375), MAPE mean(|e|/|y|).
        #expect(e["mae"]?.value == 0.5)
        #expect(abs((e["rmse"]?.value ?? 0) - 0.375.squareRoot()) < 1e-12)
        #expect(abs((e["mape"]?.value ?? 0) - (0.5 / 3 + 0.5 / 0.5 + 0 + 1.0 / 7) / 4) < 1e-12)
        #expect(e["accuracy"] == nil)
    }

    @Test func intervalAndVerdictEdgeCases() {
        // n = 0: no estimate at all.
        #expect(WindowTotals().estimate(metric: "m") == nil)
        #expect(PredictionAccumulator(positive: "1").estimates().isEmpty)
        // n = 1 of a mean: no interval → not enough evidence.
        let (m, ci) = Stats.meanInterval(n: 1, sum: 5, sumSq: 25)
        #expect(m == 5 && ci.method == "none")
        #expect(
            Verdict.decide(offline: 5, live: 5, interval: ci, n: 1, minN: 1, direction: .higherIsBetter, tolerance: 0.02)
                == .notEnoughEvidence)
        // All correct: Wilson stays below 1 at the low end and reaches 1 at the top.
        let w = Stats.wilson(successes: 50, n: 50)
        #expect(w.high == 1 && w.low < 1 && w.low > 0.9)
        // Hand-computed Wilson for 8/10: center (0.8 + 1.92/10)/(1 + 3.84/10).
        let w2 = Stats.wilson(successes: 8, n: 10)
        #expect(abs(w2.low - 0.4901624) < 1e-6 && abs(w2.high - 0.9433178) < 1e-6)
        // Verdicts.
        let tight = Interval(low: 0.895, high: 0.905, method: "wilson")
        #expect(
            Verdict.decide(offline: 0.9, live: 0.9, interval: tight, n: 10_000, minN: 30, direction: .higherIsBetter, tolerance: 0.02)
                == .within)
        let low = Interval(low: 0.80, high: 0.85, method: "wilson")
        #expect(
            Verdict.decide(offline: 0.9, live: 0.82, interval: low, n: 1000, minN: 30, direction: .higherIsBetter, tolerance: 0.02)
                == .worse)
        #expect(
            Verdict.decide(offline: 0.9, live: 0.82, interval: low, n: 1000, minN: 30, direction: .lowerIsBetter, tolerance: 0.02)
                == .better)
        let wide = Interval(low: 0.5, high: 1.0, method: "wilson")
        #expect(
            Verdict.decide(offline: 0.9, live: 0.8, interval: wide, n: 10, minN: 5, direction: .higherIsBetter, tolerance: 0.02)
                == .notEnoughEvidence)
        #expect(
            Verdict.decide(offline: 0.9, live: 0.5, interval: low, n: 10, minN: 30, direction: .higherIsBetter, tolerance: 0.02)
                == .notEnoughEvidence)
        #expect(
            Verdict.decide(offline: nil, live: 0.5, interval: low, n: 100, minN: 30, direction: .higherIsBetter, tolerance: 0.02)
                == .notEnoughEvidence)
    }

    @Test func nanAndBadValuesAreRefusedWithAClearMessage() {
        #expect(throws: TrackerError.self) {
            try LiveWindowInput.from(
                model: "m", env: "e", metric: "x", version: nil, start: 0, end: 1, mean: .nan, count: 4, std: nil, sumSq: nil)
        }
        do {
            _ = try LiveWindowInput.from(
                model: "m", env: "e", metric: "revenue", version: nil, start: 0, end: 1, mean: 12, count: 4, std: nil, sumSq: nil)
            Issue.record("expected an error")
        } catch let e as TrackerError {
            #expect(e.message.contains("give std (or sum_sq)"))
        } catch {}
        #expect(throws: TrackerError.self) {
            try LiveEvent.parse(try JSON.parse(#"{"type":"prediction","model":"m","env":"e","id":"1","prediction":1,"score":1.5}"#), now: 0)
        }
    }
}

/// The findings of issues 12 and 13 that live in `live` and `gap`, one test each.
@Suite struct LiveHonestyTests {
    static let window = [
        "live", "record", "churn", "--env", "production", "--metric", "accuracy", "--value", "0.8", "--count", "100",
        "--start", "2026-11-23T10:00:00Z", "--end", "2026-11-23T11:00:00Z",
    ]

    @Test(arguments: TestBackend.all) func aResendNamingTheAttributedVersionReplaces(_ backend: TestBackend) throws {
        let tmp = try TempDir(backend)
        let s = try liveStore(tmp)
        _ = try s.deployments.promote(model: "churn", versionRef: "1", env: "production", actor: "t", now: 0)
        let db = ["--db", tmp.db]
        #expect(try ok(Self.window + db).contains("recorded window"))
        #expect(try ok(Self.window + ["--model-version", "1"] + db).contains("replaced window"))
        let line =
            #"{"type":"window","model":"churn","env":"production","metric":"accuracy","value":0.8,"count":100,"version":1,"start":"2026-11-23T10:00:00Z","end":"2026-11-23T11:00:00Z"}"#
        #expect(try tracker(["live", "ingest", "-"] + db, stdin: line + "\n").stderr.contains("stored 0, replaced 1"))
        let gap = try JSON.parse(try ok(["gap", "churn", "--since", "2026-11-23", "--until", "2026-11-24", "--json"] + db))
        #expect(gap["versions"]?.arrayValue?.first?["metrics"]?.arrayValue?.first?["n"] == .int(100))
    }

    @Test(arguments: TestBackend.all) func aPredictionForAnUnknownVersionIsRefusedLikeAWindow(_ backend: TestBackend) throws {
        let tmp = try TempDir(backend)
        _ = try liveStore(tmp)
        let line = #"{"type":"prediction","model":"churn","env":"production","id":"p1","prediction":1,"version":99}"#
        let r = try tracker(["live", "ingest", "-", "--db", tmp.db], stdin: line + "\n")
        #expect(r.status == 1 && r.stderr.contains("-:1: model 'churn' has no version 99"))
    }

    @Test(arguments: TestBackend.all) func badNumbersAreUsageErrorsNamingTheOption(_ backend: TestBackend) throws {
        let tmp = try TempDir(backend)
        _ = try liveStore(tmp)
        let db = ["--db", tmp.db]
        for (args, message) in [
            (["gap", "churn", "--tolerance", "nan"], "--tolerance must be a finite share"),
            (["gap", "churn", "--tolerance", "inf"], "--tolerance must be a finite share"),
            (["gap", "churn", "--tolerance", "-0.1"], "--tolerance must be a finite share"),
            (["gap", "churn", "--min-n", "0"], "--min-n must be ≥ 1"),
            (Self.window.map { $0 == "100" ? "-5" : $0 }, "--count must be ≥ 1 (got -5)"),
            (["live", "config", "churn", "--max-gap", "recall=nan"], "SHARE must be a finite number ≥ 0"),
            (["live", "config", "churn", "--coverage-floor", "1.5"], "--coverage-floor must be a share between 0 and 1"),
            (["live", "config", "churn", "--direction", "latency=down"], "expected METRIC=higher or METRIC=lower"),
            (["live", "config", "churn", "--classes", "a"], "give at least two distinct labels"),
        ] {
            let r = try tracker(args + db)
            #expect(r.status == 2, "\(args): \(r.status) \(r.stderr)")
            #expect(r.stderr.contains(message), "\(args): \(r.stderr)")
        }
    }

    @Test(arguments: TestBackend.all) func liveConfigSetsAndShowsEverySetting(_ backend: TestBackend) throws {
        let tmp = try TempDir(backend)
        _ = try liveStore(tmp)
        let db = ["--db", tmp.db]
        let before = try ok(["live", "config", "churn"] + db)
        #expect(before.contains("max gap: 5% (default)") && before.contains("coverage floor: 50% (default)"))
        let out = try ok(
            [
                "live", "config", "churn", "--max-gap", "recall=0.03", "--max-gap", "0.1", "--coverage-floor", "0.6", "--direction",
                "p99_latency_ms=higher", "--task", "classification", "--classes", "0,1",
            ] + db)
        #expect(out.contains("max gap: 10%; recall 3%"), "\(out)")
        #expect(out.contains("coverage floor: 60%") && out.contains("task: classification") && out.contains("classes: 0, 1"))
        #expect(out.contains("directions: p99_latency_ms higher"))
        // Settings not named stay; the positive label changes alone.
        let again = try ok(["live", "config", "churn", "--positive-label", "yes"] + db)
        #expect(again.contains("positive label: yes") && again.contains("recall 3%") && again.contains("task: classification"))
        let s = try Store.open(path: tmp.db)
        let settings = try s.liveSettings(model: "churn")
        #expect(settings.maxGap == ["recall": 0.03, "": 0.1] && settings.coverageFloor == 0.6)
    }

    @Test(arguments: TestBackend.all) func gapShowsDeclaredDirectionsMethodsAndTask(_ backend: TestBackend) throws {
        let tmp = try TempDir(backend)
        let s = try liveStore(tmp)
        _ = try s.deployments.promote(model: "churn", versionRef: "1", env: "production", actor: "t", now: 0)
        let db = ["--db", tmp.db]
        let latency = [
            "live", "record", "churn", "--env", "production", "--metric", "p99_latency_ms", "--value", "180", "--count", "100", "--std", "5",
            "--start", "2026-11-23T10:00:00Z", "--end", "2026-11-23T11:00:00Z",
        ]
        try ok(latency + db)
        try ok(Self.window + db)
        let range = ["--since", "2026-11-23", "--until", "2026-11-24"]
        let text = try ok(["gap", "churn"] + range + db)
        #expect(text.contains("DIRECTION") && text.contains("METHOD"))
        #expect(text.contains("lower (from the name)") && text.contains("higher (from the name)"))
        #expect(text.contains("wilson") && text.contains("  t  "))
        try ok(["live", "config", "churn", "--direction", "p99_latency_ms=higher"] + db)
        let json = try JSON.parse(try ok(["gap", "churn", "--json"] + range + db))
        let row = json["versions"]?.arrayValue?.first?["metrics"]?.arrayValue?.first { $0["metric"] == .string("p99_latency_ms") }
        #expect(row?["direction"] == .string("higher") && row?["direction_source"] == .string("configured"))
        #expect(row?["method"] == .string("t"))
        #expect(try ok(["gap", "churn"] + range + db).contains("higher (configured)"))
    }

    @Test(arguments: TestBackend.all) func scoresKeepTheMeaningTheyWereIngestedWith(_ backend: TestBackend) throws {
        let tmp = try TempDir(backend)
        let s = try liveStore(tmp)
        _ = try s.deployments.promote(model: "churn", versionRef: "1", env: "production", actor: "t", now: 0)
        let t0: Int64 = 1_795_000_000_000
        var lines: [String] = []
        var rng = SeededRandom(seed: 7)
        for i in 0..<60 {
            let y = i % 2
            let score = min(0.99, max(0.01, (y == 1 ? 0.65 : 0.35) + 0.3 * (rng.uniform() - 0.5)))
            lines.append(
                #"{"type":"prediction","model":"churn","env":"production","id":"s\#(i)","time":\#(t0 + Int64(i)),"prediction":\#(score > 0.5 ? 1 : 0),"score":\#(score)}"#
            )
            lines.append(#"{"type":"outcome","id":"s\#(i)","actual":\#(y)}"#)
        }
        let db = ["--db", tmp.db]
        _ = try tracker(["live", "ingest", "-"] + db, stdin: jsonl(lines))
        let range = ["--since", "\(t0)", "--until", "\(t0 + 100)", "--json"]
        func auc(_ extra: [String]) throws -> Double? {
            let j = try JSON.parse(try ok(["gap", "churn"] + range + extra + db))
            return j["versions"]?.arrayValue?.first?["metrics"]?.arrayValue?.first { $0["metric"] == .string("roc_auc") }?["live"]?
                .doubleValue
        }
        let base = try #require(try auc([]))
        #expect(base > 0.8)
        // Asking about label 0 converts the scores (1 − score) instead of reading them as P(0).
        #expect(abs((try auc(["--positive-label", "0"]) ?? 0) - base) < 1e-12)
        let j = try JSON.parse(try ok(["gap", "churn", "--positive-label", "0"] + range + db))
        #expect(j["versions"]?.arrayValue?.first?["notes"]?.arrayValue?.first?.stringValue?.contains("ingested as P('1')") == true)
        // Changing the model's positive label later does not flip stored scores either.
        try ok(["live", "config", "churn", "--positive-label", "0"] + db)
        #expect(abs((try auc([]) ?? 0) - base) < 1e-12)
    }

    @Test(arguments: TestBackend.all) func ingestReportsEveryBadLineWithPlurals(_ backend: TestBackend) throws {
        let tmp = try TempDir(backend)
        _ = try liveStore(tmp)
        var lines = [#"{"type":"prediction","model":"churn","env":"production","id":"ok","prediction":1}"#]
        for i in 0..<105 { lines.append(#"{"type":"outcome","id":"b\#(i)"}"#) }
        let r = try tracker(["live", "ingest", "-", "--db", tmp.db], stdin: jsonl(lines))
        #expect(r.status == 1)
        #expect(r.stderr.contains("-:2: outcome needs \"actual\"; its batch (lines 1–106, 106 lines) was not written"))
        #expect(r.stderr.contains("-:101: outcome needs"))
        #expect(!r.stderr.contains("-:102: outcome needs"))
        #expect(r.stderr.contains("… and 5 more bad lines"))
        let one = try tracker(["live", "ingest", "-", "--db", tmp.db], stdin: #"{"type":"outcome","id":"x"}"# + "\n")
        #expect(one.stderr.contains("(line 1, 1 line) was not written"), "\(one.stderr)")
        // Several unknown models in one batch: each line named.
        let two = jsonl([
            #"{"type":"prediction","model":"nope","env":"production","id":"n1","prediction":1}"#,
            #"{"type":"prediction","model":"nada","env":"production","id":"n2","prediction":1}"#,
        ])
        let r2 = try tracker(["live", "ingest", "-", "--db", tmp.db], stdin: two)
        #expect(r2.stderr.contains("-:1: model 'nope' not found") && r2.stderr.contains("-:2: model 'nada' not found"))
    }

    @Test(arguments: TestBackend.all) func recordErrorsHaveNoFileLinePrefix(_ backend: TestBackend) throws {
        let tmp = try TempDir(backend)
        _ = try liveStore(tmp)
        let r = try tracker(Self.window.map { $0 == "churn" ? "nosuch" : $0 } + ["--db", tmp.db])
        #expect(r.status == 1 && r.stderr.contains("model 'nosuch' not found") && !r.stderr.contains("command line:1:"))
    }

    @Test func helpListsOneVersionOptionAndModelVersion() throws {
        for cmd in [["gap", "--help"], ["live", "record", "--help"]] {
            let help = try tracker(cmd).stdout
            #expect(help.contains("--model-version"), "\(cmd)")
            #expect(help.components(separatedBy: "--version").count - 1 <= 1, "\(cmd): \(help)")
        }
        // ArgumentParser reflows the paragraphs to the terminal; the text itself has no hard breaks.
        let help = try tracker(["live", "record", "--help"]).stdout.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        #expect(help.contains("ends now and starts one hour ago, or when the version now live"))
    }

    @Test(arguments: TestBackend.all) func recordRightAfterAPromoteCountsForTheNewVersion(_ backend: TestBackend) throws {
        let tmp = try TempDir(backend)
        let s = try liveStore(tmp)
        let now = TimeParser.nowMillis()
        _ = try s.deployments.promote(model: "churn", versionRef: "1", env: "production", actor: "t", now: now - 7_200_000)
        _ = try s.deployments.promote(model: "churn", versionRef: "2", env: "production", actor: "t", now: now - 1000)
        let r = try tracker(
            ["live", "record", "churn", "--env", "production", "--metric", "accuracy", "--value", "0.9", "--count", "50", "--db", tmp.db])
        #expect(r.status == 0 && !r.stderr.contains("unattributed"), "\(r.stderr)")
        let gap = try s.gap(model: "churn", env: "production", options: GapOptions(since: now - 10_000, until: now + 60_000))
        #expect(gap.versions.first { $0.version == 2 }?.rows.first?.live.n == 50)
    }

    @Test(arguments: TestBackend.all) func gapShowsEachLiveIntervalWithItsEnd(_ backend: TestBackend) throws {
        let tmp = try TempDir(backend)
        let s = try liveStore(tmp)
        let day = Int64(1_795_000_000_000)
        _ = try s.deployments.promote(model: "churn", versionRef: "1", env: "production", actor: "t", now: day)
        _ = try s.deployments.promote(model: "churn", versionRef: "2", env: "production", actor: "t", now: day + 53)
        let text = try ok(["gap", "churn", "--since", "\(day - 1000)", "--until", "\(day + 86_400_000)", "--db", tmp.db])
        #expect(text.contains("version 1 (live \(TimeParser.format(day)) – \(TimeParser.format(day + 53)))"), "\(text)")
        #expect(text.contains("version 2 (live \(TimeParser.format(day + 53)) – now)"))
        #expect(!text.contains("live since"))
    }
}

/// The weekly report's windows are read in one statement (a VALUES join), not one per window.
@Suite struct LiveWindowBatchTests {
    @Test(arguments: TestBackend.all) func severalWindowsReadAtOnceMatchEachReadAlone(_ backend: TestBackend) throws {
        let tmp = try TempDir(backend)
        let s = try liveStore(tmp)
        for (version, value, count, start) in [
            ("1", "0.8", "100", "2026-11-23T10"), ("1", "0.9", "50", "2026-11-24T10"), ("2", "0.95", "20", "2026-11-24T12"),
            ("1", "0.7", "10", "2026-11-25T10"), ("1", "0.6", "5", "2026-11-25T11"),
        ] {
            try ok([
                "live", "record", "churn", "--env", "production", "--metric", "accuracy", "--value", value, "--count", count,
                "--model-version", version, "--start", start + ":00:00Z", "--end", start + ":30:00Z", "--db", tmp.db,
            ])
        }
        let day: Int64 = 86_400_000
        let d23: Int64 = 1_795_392_000_000  // 2026-11-23T00:00:00Z
        _ = try s.deployments.promote(model: "churn", versionRef: "1", env: "production", actor: "t", now: 0)
        // Predictions on the 23rd (3) and the 24th (2), outcomes for four: raw rows per window.
        let preds = jsonl(
            [(0, "a", 1, 0.9, 1), (1, "b", 0, 0.2, 0), (2, "c", 1, 0.7, 0), (day, "d", 1, 0.6, 1), (day + 1, "e", 0, 0.4, -1)].map {
                t, id, p, score, actual in
                #"{"type":"prediction","model":"churn","env":"production","id":"\#(id)","time":\#(d23 + 36_000_000 + t),"prediction":\#(p),"score":\#(score)}"#
                    + (actual < 0 ? "" : "\n" + #"{"type":"outcome","id":"\#(id)","actual":\#(actual)}"#)
            })
        #expect(try tracker(["live", "ingest", "-", "--db", tmp.db], stdin: preds).status == 0)
        let windows: [(since: Int64, until: Int64)] = [
            (d23, d23 + day), (d23 + day, d23 + 2 * day), (d23, d23 + 3 * day), (d23 + 3 * day, d23 + 4 * day), (.min, .max),
        ]
        let settings = try s.liveSettings(model: "churn")
        let all = try s.live.liveData(model: "churn", env: "production", windows: windows, version: nil, settings: settings)
        #expect(all.map { $0.windows[1]?["accuracy"]?.n ?? 0 } == [100, 50, 165, 0, 165])
        #expect(all.map { $0.windows[2]?["accuracy"]?.n ?? 0 } == [0, 20, 20, 0, 20])
        #expect(all.map { $0.predictions[1]?.predictions ?? 0 } == [3, 2, 5, 0, 5])
        #expect(all.map(\.source) == ["raw", "raw", "raw", "raw", "raw"])
        let v1 = try s.live.liveData(model: "churn", env: "production", windows: windows, version: 1, settings: settings)
        #expect(v1.map { $0.windows[2] == nil } == [true, true, true, true, true])
        let modelID = try #require(try s.db.read { c in try RegistryRepository.modelRow(c, "churn").id })
        for version in [nil, 1] as [Int?] {
            let batch = try s.live.liveData(model: "churn", env: "production", windows: windows, version: version, settings: settings)
            for (w, got) in zip(windows, batch) {
                let alone = try s.db.read { c in
                    try LiveRepository.liveData(
                        c, modelID: modelID, env: "production", since: w.since, until: w.until, positive: settings.positiveLabel,
                        version: version, settings: settings)
                }
                #expect(got.windows == alone.windows && got.source == alone.source, "\(w), version \(String(describing: version))")
                #expect(GapAnalysis.estimates(got, 1) == GapAnalysis.estimates(alone, 1), "\(w)")
            }
        }
        #expect(try s.live.liveData(model: "churn", env: "production", windows: [], version: nil, settings: settings).isEmpty)
    }
}
