import Foundation
import Testing

@testable import TrackerCore

@Suite struct StatsTests {
    /// scipy.stats.t.ppf(0.975, df), computed in scipy 1.17.1.
    @Test func tQuantilesMatchScipyTo1e10() {
        let expected: [(Double, Double)] = [
            (1, 12.706204736174694), (2, 4.302652729749462), (3, 3.1824463052837078), (4, 2.7764451051977934),
            (5, 2.5705818356363146), (7, 2.364624251592784), (10, 2.228138851986274), (29, 2.045229642132703),
            (30, 2.0422724563012378), (31, 2.039513446396408), (50, 2.008559112100761), (99, 1.9842169515864174),
            (100, 1.9839715185235518), (1000, 1.9623390808264083), (2.5, 3.5746548420036817), (17.3, 2.1070320037534676),
        ]
        for (df, t) in expected {
            #expect(abs(Stats.t95(df: df) - t) < 1e-10, "df \(df): \(Stats.t95(df: df)) vs \(t)")
        }
        #expect(Stats.t95(df: 0) == .infinity)
    }

    @Test func welfordMomentsCombineExactlyAndDoNotCancel() {
        var a = Moments()
        var b = Moments()
        var all = Moments()
        let xs: [Double] = [1, 2, 3, 4, 10, 12, 0.5]
        for (i, x) in xs.enumerated() {
            if i < 4 { a.add(x) } else { b.add(x) }
            all.add(x)
        }
        a.combine(b)
        #expect(abs(a.mean - all.mean) < 1e-12 && abs(a.m2 - all.m2) < 1e-10)
        #expect(abs((a.m3 ?? .nan) - (all.m3 ?? .nan)) < 1e-9)
        // A mean of 1e8 with a standard deviation of 1: Σx² − (Σx)²/n keeps no digit of it.
        var big = Moments()
        for i in 0..<40 { big.add(1e8 + (i % 2 == 0 ? 1 : -1)) }
        let r = Stats.meanInterval(big)
        #expect(r.interval.width > 0.5 && r.interval.width < 1.5)
        let w = try? LiveWindowInput.from(
            model: "m", env: "e", metric: "latency", version: nil, start: 0, end: 1, mean: 1e8, count: 40, std: 1, sumSq: nil)
        #expect(w.map { abs($0.m2 - 39) < 1e-9 } == true)
        var t = WindowTotals()
        t.add(n: 40, mean: 1e8, m2: 39, proportion: false)
        t.add(n: 40, mean: 1e8, m2: 39, proportion: false)
        let e = t.estimate(metric: "latency")
        #expect((e?.interval.width ?? 0) > 0.3)
    }

    @Test func degenerateSamplesGetNoFalseCertainty() {
        // All values equal: no interval, so not enough evidence rather than a confident verdict.
        var same = Moments()
        for _ in 0..<40 { same.add(0.7) }
        let r = Stats.meanInterval(same)
        #expect(r.interval.method == "none")
        #expect(
            Verdict.decide(offline: 0.5, live: 0.7, interval: r.interval, n: 40, minN: 30, direction: .higherIsBetter, tolerance: 0.02)
                == .notEnoughEvidence)
        // AUC of exactly 1 (and 0) keeps a width.
        let pos = (0..<20).map { 0.6 + Double($0) / 100 }
        let neg = (0..<20).map { Double($0) / 100 }
        let one = Stats.auc(positives: pos, negatives: neg)!
        #expect(one.value == 1 && one.interval.low < 0.97 && one.interval.high == 1)
        let zero = Stats.auc(positives: neg, negatives: pos)!
        #expect(zero.value == 0 && zero.interval.high > 0.03 && zero.interval.low < 1e-12)
        // F1 of 1 keeps a width too.
        let f = Stats.f1(tp: 20, fp: 0, fn: 0)!
        #expect(f.value == 1 && f.interval.low < 0.95)
    }

    @Test func logLossClipsAtMachineEpsilonLikeScikitLearn() {
        var acc = PredictionAccumulator(positive: "1")
        acc.add(label: "0", value: 0, score: 0, actualLabel: "1", actualValue: 1)
        let ll = acc.estimates().first { $0.metric == "log_loss" }
        // sklearn.metrics.log_loss([1], [0.0], labels=[0, 1]) = -log(eps) = 36.04365338911715.
        #expect(abs((ll?.value ?? 0) - 36.04365338911715) < 1e-12)
    }

    @Test func mapeIsLeftOutWithANoteWhenAnActualIsZero() {
        var acc = PredictionAccumulator(positive: "1")
        for (a, p) in [(0.0, 0.5), (2.5, 3.0), (4.0, 4.5), (1.5, 1.25)] {
            acc.add(label: String(p), value: p, score: nil, actualLabel: String(a), actualValue: a)
        }
        let metrics = acc.estimates().map(\.metric)
        #expect(metrics == ["mae", "rmse"])
        #expect(acc.notes == ["mape left out: 1 of 4 actual values is 0"])
        #expect(acc.estimates().first?.n == 4)
    }

    @Test func taskIsConfiguredOrInferredAndMultiClassGetsMacroF1() {
        // Labels 0/1/2: a classification (scikit-learn's type_of_target says multiclass).
        var acc = PredictionAccumulator(positive: "1")
        let pairs: [(Int, Int)] = [(0, 0), (1, 1), (2, 2), (2, 1), (0, 0), (1, 1), (2, 2), (1, 0)]
        for (a, p) in pairs { acc.add(label: String(p), value: Double(p), score: nil, actualLabel: String(a), actualValue: Double(a)) }
        #expect(acc.task.task == .classification && acc.task.inferred)
        let e = Dictionary(uniqueKeysWithValues: acc.estimates().map { ($0.metric, $0) })
        #expect(Set(e.keys) == ["accuracy", "f1_macro"])
        // sklearn.metrics.f1_score(y, p, average="macro") = 0.7555555555555555.
        #expect(abs((e["f1_macro"]?.value ?? 0) - 0.7555555555555555) < 1e-12)
        #expect(e["f1_macro"]?.interval.method == "wilson-delta")
        // A regressor whose actuals take two values, configured as regression: MAE, not accuracy.
        var reg = PredictionAccumulator(positive: "1", task: .regression)
        for (a, p) in [(0.0, 0.0), (1.0, 1.0), (1.0, 0.0), (0.0, 1.0)] {
            reg.add(label: String(p), value: p, score: nil, actualLabel: String(a), actualValue: a)
        }
        #expect(reg.estimates().first?.metric == "mae")
        #expect(reg.task.task == .regression && !reg.task.inferred)
    }

    @Test func directionsFromTheNameFollowTheDocumentedRules() {
        for lower in ["p99_latency_ms", "false_positive_rate", "cross_entropy", "log_loss", "val_loss", "mae", "error_rate", "brier_score"] {
            #expect(MetricDirection.fromName(lower) == .lowerIsBetter, "\(lower)")
        }
        for higher in ["neg_log_loss", "neg_mean_absolute_error", "accuracy", "roc_auc", "f1", "recall", "throughput"] {
            #expect(MetricDirection.fromName(higher) == .higherIsBetter, "\(higher)")
        }
    }

    @Test func digitsWidenUntilTheVerdictIsVisible() {
        // Offline 0.918, tolerance 2%: an interval just above offline + tol looks like "0.918" with 4 digits... but differs.
        let within = LiveEstimate(
            metric: "accuracy", value: 0.9181, n: 100_000, interval: Interval(low: 0.91805, high: 0.91815, method: "wilson"),
            source: "windows", coverage: nil)
        #expect(VerdictDigits.needed(live: within, offline: 0.918, tolerance: 0.0) >= 5)
        let plain = LiveEstimate(
            metric: "accuracy", value: 0.85, n: 100, interval: Interval(low: 0.77, high: 0.91, method: "wilson"), source: "windows",
            coverage: nil)
        #expect(VerdictDigits.needed(live: plain, offline: 0.9, tolerance: 0.02) == 4)
        #expect(VerdictDigits.format(0.954954954954955, digits: 4) == "0.955")
        #expect(VerdictDigits.format(0.954954954954955, digits: 4) == ReportFormat.value(0.954954954954955))
    }

    @Test func twoSampleTestUsesBothPeriodsUncertainty() {
        // 0.85 of 200 vs 0.90 of 200: this week's Wilson interval excludes 0.90, but the
        // difference is not significant at 2.5% one-sided once last week's noise counts.
        let now = (value: 0.85, spread: Spread?.some(.proportion(effectiveN: 200)))
        let before = (value: 0.90, spread: Spread?.some(.proportion(effectiveN: 200)))
        #expect(!Stats.significantlyWorse(current: now, previous: before, direction: .higherIsBetter))
        let big = (value: 0.85, spread: Spread?.some(.proportion(effectiveN: 5000)))
        let bigBefore = (value: 0.90, spread: Spread?.some(.proportion(effectiveN: 5000)))
        #expect(Stats.significantlyWorse(current: big, previous: bigBefore, direction: .higherIsBetter))
        // Lower is better: a rise is worse, a fall never alerts.
        #expect(Stats.significantlyWorse(current: bigBefore, previous: big, direction: .lowerIsBetter))
        #expect(!Stats.significantlyWorse(current: big, previous: bigBefore, direction: .lowerIsBetter))
    }
}
