import Foundation
import Testing

@testable import TrackerCore
@testable import TrackerStore

/// Model `churn` v1 (accuracy 0.9, roc_auc 0.8) and v2 (accuracy 0.95), rule-based `rules`.
func liveStore(_ tmp: TempDir) throws -> Store {
    let s = try Store.open(path: tmp.db)
    let exp = try s.ensureExperiment(name: "churn")
    for (acc, auc) in [(0.9, 0.8), (0.95, 0.85)] {
        let r = try s.createRun(experimentID: exp.id)
        try s.log(
            runID: r.runID,
            LogBatch(metrics: [
                MetricPoint(key: "accuracy", value: acc, step: 0, time: 1), MetricPoint(key: "roc_auc", value: auc, step: 0, time: 1),
            ]))
        _ = try s.registerVersion(name: "churn", runID: r.runID)
    }
    return s
}

func jsonl(_ objects: [String]) -> String { objects.joined(separator: "\n") + "\n" }

@Suite struct LiveIngestTests {
    @Test func resendingAWindowReplaces() throws {
        let tmp = TempDir()
        _ = try liveStore(tmp)
        let db = ["--db", tmp.db]
        let args =
            [
                "live", "record", "churn", "--env", "production", "--metric", "accuracy", "--value", "0.8", "--count", "100", "--version",
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
        #expect(abs((e.interval.high - e.value) - 2.571 * sd / 6.0.squareRoot()) < 1e-9)
        // From mean and std as a client would send them.
        let w = try LiveWindowInput.from(
            model: "m", env: "e", metric: "x", version: nil, start: 0, end: 1, mean: 2.5, count: 4, std: (5.0 / 3).squareRoot(), sumSq: nil)
        #expect(abs(w.sumSq - 30) < 1e-9)
    }

    @Test func predictionsJoinLateEarlyDuplicateAndMissingOutcomes() throws {
        let tmp = TempDir()
        let s = try liveStore(tmp)
        _ = try s.promote(model: "churn", versionRef: "1", env: "production", actor: "t", now: 0)
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

    @Test func attributionAcrossAPromoteAndARollbackInOneDay() throws {
        let tmp = TempDir()
        let s = try liveStore(tmp)
        let day = Int64(1_795_000_000_000)
        let h = Int64(3_600_000)
        _ = try s.promote(model: "churn", versionRef: "1", env: "production", actor: "t", now: day)
        _ = try s.promote(model: "churn", versionRef: "2", env: "production", actor: "t", now: day + 8 * h)
        _ = try s.rollback(model: "churn", env: "production", actor: "t", now: day + 12 * h)
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

    @Test func badLinesRejectTheirBatchAndNameTheLine() throws {
        let tmp = TempDir()
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
                "-:2: \"value\" must be a finite number (NaN and infinities are refused); its batch of 2 lines was not written"))
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
